"""A master file as it really is: rows with a defect are set aside, the rest indexed.

A national master always holds some rows that cannot be used: a taxpayer without a first
name, a TIN of eight digits, an address without a street, a date that is not one, a TIN on two
rows. Such a row is set aside, counted and listed (file, row, field) in the index's
``defects.csv``; the whole master is refused only when a table's share of set-aside rows is
above the ``master_defect_rate`` setting, where a broken export is likelier than a real master.

Setting a row aside must never make a disclosure that the whole master would not have made.
A row set aside stands for a person the index cannot see, and who may live where a taxpayer
the index does see was matched: the father beside a son, whose only address row has no street.
So:

- A taxpayer with an address row set aside stays in the index, with its other addresses, and is
  withheld: its last known address (formats.md §2) may be the row set aside.
- Every indexed taxpayer who shares a surname sound with a person set aside (a taxpayer row set
  aside, or the taxpayer of an address row set aside), at a ZIP code where that person has an
  address row (set aside or not), is withheld too; where that person's row gives no usable ZIP
  code, in the same state; where it gives neither, anywhere. Such a taxpayer can still be
  matched, and can still make another's match ambiguous, but is not disclosed.
- Withheld taxpayers go into the index's restrictions table under the kind ``master_defect``,
  so a request whose match is one of them is not disclosed (decision code ``RESTRICTED``) and
  the ``ivs index`` summary counts them.
- An unparseable value of a field the contract allows to be empty (``date_of_birth``) is set
  aside alone: the row is kept with no date of birth, as the contract allows, and the taxpayer
  is withheld (a date of birth that is not known cannot contradict a request).
- A person set aside whose name is not known (an address row whose TIN is no one's, a
  taxpayer row without a surname) may be anyone at that address: every taxpayer with an
  address row filed at the same address (the same street, unit, city, state and ZIP code, as
  written) is withheld.

What no rule here can reach: a taxpayer row whose TIN is not 9 digits has no address row to say
where it lives; an address row with neither a TIN nor a street says neither who nor where. Such
a person is as unknown to the index as one who never filed.

The restrictions file is never partly used: a restriction set aside would be a disclosure
the law forbids, so any defect in it refuses the master (``read_master_table``).

Everything here works on whole columns (Arrow compute, and SQL on the index's engine): no
Python loop per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from ivs.domain.errors import FormatErrors, Problem
from ivs.formats.master import DEFECT_REPORT_SCHEMA, MasterRows, master_schema

__all__ = [
    "MASTER_DEFECT_KIND",
    "SortedAddresses",
    "defects_found",
    "sort_addresses",
    "sort_taxpayers",
    "withheld_beyond_zip_sql",
    "withheld_restrictions",
    "withheld_sql",
]

# The restriction kind of a taxpayer withheld because an address row of theirs was set aside.
MASTER_DEFECT_KIND = "master_defect"
_ALWAYS = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class SortedAddresses:
    """The address rows to index, and the places of the persons set aside."""

    addresses: pa.Table
    # tin, zip5 (null where unusable), state: an address row of a person set aside
    ghost_places: pa.Table


def _refuse_above(rows: MasterRows, max_rate: float) -> None:
    if rows.rows == 0:
        return
    share = rows.set_aside / rows.rows
    if share > max_rate:
        raise FormatErrors(
            [
                Problem(
                    str(rows.path),
                    f"{rows.set_aside:,} of {rows.rows:,} rows ({share:.1%}) have a defect, above "
                    f"the master_defect_rate setting ({max_rate:.1%}): the master is refused as a "
                    "whole, a broken export being likelier than a real master. Correct the "
                    "export, or raise IVS_MASTER_DEFECT_RATE if this is the master as it is",
                ),
                *rows.problems(),
            ]
        )


def sort_taxpayers(taxpayers: MasterRows, max_rate: float) -> pa.Table:
    """The taxpayer rows to index; ``FormatErrors`` if too many are defective."""
    _refuse_above(taxpayers, max_rate)
    return taxpayers.kept()


def sort_addresses(
    addresses: MasterRows, taxpayers_aside: pa.Table, max_rate: float
) -> SortedAddresses:
    """The address rows to index, and every address row of a person set aside: the row set
    aside, and each row of a taxpayer whose own row was (``taxpayers_aside``).
    ``FormatErrors`` above the rate."""
    _refuse_above(addresses, max_rate)
    raw = addresses.table
    aside = addresses.set_aside_mask()
    of_aside = pc.is_in(raw.column("tin"), pc.drop_null(taxpayers_aside.column("tin")))
    places = raw.filter(pc.or_(aside, pc.fill_null(of_aside, False)))
    zip_code = places.column("zip")
    zip5 = pc.if_else(
        pc.fill_null(pc.match_substring_regex(zip_code, r"^\d{5}(-?\d{4})?$"), False),
        pc.utf8_slice_codeunits(zip_code, 0, 5),
        pa.scalar(None, pa.string()),
    )
    state = pc.utf8_upper(pc.utf8_trim_whitespace(places.column("state")))
    # A TIN written with separators ("1234-56-789") is read as its digits: the row may well
    # be that taxpayer's. One that is not 9 digits even then belongs to no one the index has.
    digits = pc.replace_substring_regex(places.column("tin"), r"\D", "")
    nine = pc.fill_null(pc.equal(pc.utf8_length(digits), 9), False)
    tin = pc.if_else(nine, digits, places.column("tin"))
    ghost_places = pa.table(
        {
            "tin": tin,
            "zip5": zip5,
            "state": state,
            # As filed, to find who else was filed at the same address (a nameless person).
            **{c: places.column(c) for c in ("street_address", "unit", "city", "zip")},
            "filed_state": places.column("state"),
        }
    )
    return SortedAddresses(addresses.kept(), ghost_places)


def _ghosts(unnest: str) -> str:
    # Each surname sound of a person set aside, with where they may live.
    return f"""
        WITH ghost_sounds AS (
            SELECT tin, {unnest}(name_phonetic) AS phonetic FROM ghost_names
            UNION ALL
            SELECT tin, {unnest}(name_phonetic) AS phonetic FROM tp_names
            WHERE tin IN (SELECT tin FROM ghost_places)
        ),
        ghosts AS (
            SELECT DISTINCT s.phonetic, g.zip5, g.state
            FROM ghost_sounds s JOIN ghost_places g ON g.tin = s.tin
            WHERE s.phonetic IS NOT NULL
        )"""


def withheld_sql(unnest: str) -> str:
    """The indexed taxpayers to withhold (see the module docstring), from the engine's
    ``tp_names``, ``address_forms``, ``form_keys``, ``addr_links``, ``ghost_places`` (tin,
    zip5, state, and the address as filed), ``ghost_names``
    (tin, name_phonetic: the standardized names of taxpayer rows set aside) and
    ``values_aside`` (tin: taxpayers kept with a value set aside). Persons set aside whose
    ZIP code is unusable are left to :func:`withheld_beyond_zip_sql`."""
    return f"""{_ghosts(unnest)}
        SELECT a.tin FROM ghosts g
        JOIN address_forms f ON f.addr_zip5 = g.zip5
        JOIN addr_links a ON a.form_id = f.form_id
        JOIN (SELECT tin, {unnest}(name_phonetic) AS phonetic FROM tp_names) p
          ON p.tin = a.tin AND p.phonetic = g.phonetic
        UNION
        SELECT tin FROM tp_names WHERE tin IN (SELECT tin FROM ghost_places)
        UNION
        SELECT tin FROM values_aside
        UNION
        SELECT a.tin FROM (
            SELECT g.* FROM ghost_places g
            LEFT JOIN (SELECT DISTINCT tin FROM ghost_sounds WHERE phonetic IS NOT NULL) n
              ON n.tin = g.tin
            WHERE n.tin IS NULL
        ) nameless
        JOIN form_keys f
          ON f.street_address = nameless.street_address AND f.city = nameless.city
         AND f.state = nameless.filed_state AND f.zip = nameless.zip
         AND f.unit IS NOT DISTINCT FROM nameless.unit
        JOIN addr_links a ON a.form_id = f.form_id
    """


def withheld_beyond_zip_sql(unnest: str) -> str:
    """The indexed taxpayers sharing a surname sound with a person set aside whose row gives
    no usable ZIP code: in its state, or anywhere when the state is unusable too. Run only
    when there is such a person (it reads every taxpayer's sounds and places)."""
    return f"""{_ghosts(unnest)},
        elsewhere AS (SELECT DISTINCT phonetic, state FROM ghosts WHERE zip5 IS NULL),
        sounds AS (
            SELECT t.tin, t.phonetic FROM (
                SELECT tin, {unnest}(name_phonetic) AS phonetic FROM tp_names
            ) t
            WHERE t.phonetic IN (SELECT phonetic FROM elsewhere)
        ),
        places AS (
            SELECT DISTINCT a.tin, f.addr_state
            FROM addr_links a JOIN address_forms f ON f.form_id = a.form_id
        )
        SELECT DISTINCT s.tin
        FROM sounds s JOIN elsewhere g ON g.phonetic = s.phonetic
        JOIN places p ON p.tin = s.tin
        WHERE g.state IS NULL OR p.addr_state = g.state
    """


def withheld_restrictions(tins: pa.Array | pa.ChunkedArray) -> pa.Table:
    """Restriction rows (kind ``master_defect``, always in force) for withheld taxpayers."""
    n = len(tins)
    return pa.table(
        {
            "tin": tins,
            "kind": pa.repeat(MASTER_DEFECT_KIND, n),
            "since": pa.repeat(pa.scalar(_ALWAYS, pa.date32()), n),
            "until": pa.nulls(n, pa.date32()),
        }
    ).cast(master_schema("restrictions"))


def defects_found(*tables: MasterRows) -> tuple[pa.Table, list[dict[str, object]]]:
    """Every defect of ``tables`` (DEFECT_REPORT_SCHEMA) and a summary per kind of defect."""
    report = pa.concat_tables([t.report() for t in tables]).cast(DEFECT_REPORT_SCHEMA)
    return report, [item for t in tables for item in t.summary()]
