"""Sufficiency of an address for intake: one defect code (or null) per row, vectorized.

Precedence, first that applies wins (most fundamental first, so the requester is told the
real problem: a placeholder is a placeholder even if its ZIP is also wrong):

1. ADDRESS_EMPTY             no delivery line, unit, city or state
2. ADDRESS_PLACEHOLDER       placeholder text (or punctuation only) in the delivery line or unit,
                             or placeholder text in the city
3. ADDRESS_COUNTRY_ONLY      the delivery line is only a country
4. ADDRESS_FACILITY_UNLOCATED  a custody facility named without a street location
5. ADDRESS_CUSTODY_FACILITY  a custody facility with a location (by name or listed address)
6. ADDRESS_GENERAL_DELIVERY
7. ADDRESS_CITY_STATE_ONLY   no delivery line, but a city or state
8. ADDRESS_BARE_NUMBER       the delivery line is only a number or ZIP code
9. ADDRESS_UNIT_ONLY         only a secondary unit
10. ADDRESS_NO_HOUSE_NUMBER  a street without house number, or a box address without its box
11. ADDRESS_NO_STREET        a house number without street, or a line that locates nothing
12. ADDRESS_NO_CITY          a delivery line but no city (empty or blank; formats.md §1.2)
13. ADDRESS_INVALID_STATE    not a USPS state, territory or military code (empty included)
14. ADDRESS_MALFORMED_ZIP    not 5 digits or ZIP+4 (empty included)
15. ADDRESS_ZIP_STATE_MISMATCH  the ZIP lies in another state or in none: a ZIP the table knows
                             by its own states; one it lacks (a new ZIP is no error) by the
                             states of its three-digit prefix (the USPS sectional center), so
                             a prefix no state uses is a ZIP of no state
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from ivs.standardize.address_clean import clean_text, compact
from ivs.standardize.address_tables import (
    COUNTRY_NAMES,
    PLACEHOLDER_PHRASES,
    PLACEHOLDER_WHOLE,
    VALID_STATES,
    zip_city_names,
    zip_prefix_states,
    zip_states,
)
from ivs.standardize.facility import FACILITY_NAME_PATTERN, facility_names

__all__ = ["DEFECT_PRECEDENCE", "DefectInputs", "classify_defects", "load_defect_tables"]

DEFECT_PRECEDENCE: tuple[str, ...] = (
    "ADDRESS_EMPTY",
    "ADDRESS_PLACEHOLDER",
    "ADDRESS_COUNTRY_ONLY",
    "ADDRESS_FACILITY_UNLOCATED",
    "ADDRESS_CUSTODY_FACILITY",
    "ADDRESS_GENERAL_DELIVERY",
    "ADDRESS_CITY_STATE_ONLY",
    "ADDRESS_BARE_NUMBER",
    "ADDRESS_UNIT_ONLY",
    "ADDRESS_NO_HOUSE_NUMBER",
    "ADDRESS_NO_STREET",
    "ADDRESS_NO_CITY",
    "ADDRESS_INVALID_STATE",
    "ADDRESS_MALFORMED_ZIP",
    "ADDRESS_ZIP_STATE_MISMATCH",
)


@dataclass(frozen=True, slots=True)
class DefectInputs:
    """The columns the classifier reads (all of one length)."""

    raw_line: pa.Array  # street and unit as given, nulls as ""
    full: pa.Array  # cleaned street with unit merged
    city: pa.Array  # cleaned
    state: pa.Array  # standardized code, or the cleaned text when not a known state
    zip_given: pa.Array  # cleaned zip text
    zip5: pa.Array
    kind: pa.Array
    house_number: pa.Array
    street_name: pa.Array
    unit_type: pa.Array
    po_box: pa.Array
    facility_listed: pa.Array  # bool: the standardized address is on a facility list


@functools.cache
def _phrase_pattern() -> str:
    return "|".join(sorted(PLACEHOLDER_PHRASES, key=lambda w: (-len(w), w)))


@functools.cache
def _zip_state_pairs() -> tuple[pa.Array, pa.Array, pa.Array]:
    exact = pa.array(sorted(f"{z}|{s}" for z, states in zip_states().items() for s in states))
    known = pa.array(sorted(zip_states()))
    prefix = pa.array(
        sorted(f"{p}|{s}" for p, states in zip_prefix_states().items() for s in states)
    )
    return exact, known, prefix


@functools.cache
def _real_cities() -> pa.Array:
    """The ZIP table's city names, compacted as a placeholder is compared."""
    return pc.unique(compact(clean_text(pa.array(sorted(zip_city_names()), pa.string()))))


def load_defect_tables() -> None:
    """Build the ZIP-to-state, city-name and facility-name tables now (each once per process)."""
    _zip_state_pairs()
    _real_cities()
    facility_names()


def _is_in(values: pa.Array, items: frozenset[str]) -> pa.Array:
    return pc.is_in(values, value_set=pa.array(sorted(items), pa.string()))


def classify_defects(inp: DefectInputs) -> pa.Array:
    """One defect code per row (null when the address is sufficient), by DEFECT_PRECEDENCE."""
    full_compact = compact(inp.full)
    city_compact = compact(inp.city)
    no_line = pc.equal(inp.full, "")
    empty = pc.and_(no_line, pc.and_(pc.equal(inp.city, ""), pc.equal(inp.state, "")))

    def placeholder_text(compacted: pa.Array) -> pa.Array:
        return pc.or_(
            _is_in(compacted, PLACEHOLDER_WHOLE),
            pc.match_substring_regex(compacted, _phrase_pattern()),
        )

    # "---" or "??" cleans to nothing, but something was written: a placeholder.
    punctuation_only = pc.and_(no_line, pc.match_substring_regex(inp.raw_line, r"[^\s]"))
    # A city field of placeholder text gives no city, with or without a delivery line; a real
    # place whose name is also a placeholder word (STREET, Maryland) is a city.
    placeholder_city = pc.and_(
        placeholder_text(city_compact), pc.invert(pc.is_in(city_compact, value_set=_real_cities()))
    )
    placeholder = pc.or_(pc.or_(placeholder_text(full_compact), punctuation_only), placeholder_city)
    country = _is_in(full_compact, COUNTRY_NAMES)

    has_house = pc.is_valid(inp.house_number)
    has_name = pc.is_valid(inp.street_name)
    has_box = pc.is_valid(inp.po_box)
    # A facility name before its street ("HARRIS COUNTY JAIL 1200 BAKER ST") defeats the
    # parser, so a number followed by a word, or a box number, anywhere counts as a location.
    located = pc.or_(
        pc.or_(pc.and_(has_house, has_name), has_box),
        pc.match_substring_regex(inp.full, r"(?:^| )[0-9]+[A-Z]? [A-Z]{2,}|BOX [0-9]"),
    )
    named_facility = pc.or_(
        pc.match_substring_regex(inp.full, FACILITY_NAME_PATTERN),
        _is_in(full_compact, facility_names()),
    )
    unlocated = pc.and_(named_facility, pc.invert(located))
    custody = pc.or_(pc.and_(named_facility, located), inp.facility_listed)

    general = pc.equal(inp.kind, "general_delivery")
    city_state_only = no_line
    bare_number = pc.match_substring_regex(inp.full, r"^[0-9][0-9 -]*$")
    nothing_located = pc.and_(
        pc.invert(has_house), pc.and_(pc.invert(has_name), pc.invert(has_box))
    )
    # A unit column with no street line arrives as "# <id>", even when the id did not parse.
    unit_only = pc.and_(
        nothing_located, pc.or_(pc.is_valid(inp.unit_type), pc.starts_with(inp.full, "#"))
    )
    boxed_kind = pc.is_in(
        inp.kind,
        value_set=pa.array(["po_box", "rural_route", "highway_contract", "military"]),
    )
    no_house = pc.or_(
        pc.and_(pc.equal(inp.kind, "street"), pc.and_(pc.invert(has_house), has_name)),
        pc.and_(boxed_kind, pc.invert(has_box)),
    )
    # Also whatever line the parser could read nothing from: it locates no street.
    no_street = pc.or_(
        pc.and_(pc.equal(inp.kind, "street"), pc.and_(has_house, pc.invert(has_name))),
        nothing_located,
    )
    # The city is required (formats.md §1.2); cleaning has already reduced a blank one to "".
    no_city = pc.equal(pc.fill_null(inp.city, ""), "")
    invalid_state = pc.invert(_is_in(inp.state, VALID_STATES))
    malformed_zip = pc.is_null(inp.zip5)

    exact, known, prefix = _zip_state_pairs()
    zip_state = pc.binary_join_element_wise(inp.zip5, inp.state, "|")
    prefix_state = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(inp.zip5, 0, 3), inp.state, "|"
    )
    zip_known = pc.is_in(inp.zip5, value_set=known)
    # A ZIP the table lacks is judged by its prefix: in the stated state it is accepted; in
    # another state, or in none (98789: no state uses 987), it is a ZIP of another state.
    mismatch = pc.if_else(
        zip_known,
        pc.invert(pc.is_in(zip_state, value_set=exact)),
        pc.invert(pc.is_in(prefix_state, value_set=prefix)),
    )

    conditions = [
        empty,
        placeholder,
        country,
        unlocated,
        custody,
        general,
        city_state_only,
        bare_number,
        unit_only,
        no_house,
        no_street,
        no_city,
        invalid_state,
        malformed_zip,
        mismatch,
    ]
    conditions = [pc.fill_null(c, False) for c in conditions]
    names = [f"c{i}" for i in range(len(conditions))]
    return pc.case_when(
        pc.make_struct(*conditions, field_names=names),
        *[pa.scalar(code, pa.string()) for code in DEFECT_PRECEDENCE],
    )
