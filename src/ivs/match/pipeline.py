"""Candidate generation, comparison and scoring as engine-neutral SQL steps.

Input tables the engine must hold:

- ``req``   accepted requests: request_key (the record's row: a number, cheaper to join and
            group on than the request_id it also holds), standardized name/address columns,
            tin_norm, dob, dob_aside (a date of birth set aside as implausible)
- ``tp``    index taxpayers (tin, date_of_birth, standardized name columns)
- ``forms`` distinct address forms (form_id, standardized address columns, addr_street_id)
- ``streets`` the forms' streets (street_id, addr_street_name, addr_suffix)
- ``addr``  addresses of record (tin, tax_year, received_date, form_id, addr_zip5: the form's)
- ``restr`` restrictions (tin, kind, since, until)

Output, by request_key: ``pairs`` (one row per request and candidate, with the blocking rules
that found it), ``scored`` (levels, weight and probability per pair) and ``request_evidence``
(one row per request: what the decision needs).

Every TIN in these tables is an integer (match/tin_keys.py), ``tin_norm`` too (null where the
request gives none of nine digits); ``request_evidence`` names the best candidate by its TIN's
nine digits (``best_tin``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ivs.domain.engine import SqlStep
from ivs.match.comparisons import (
    ADDRESS,
    ADDRESS_MATCH_LEVELS,
    COMPARISONS,
    DOB,
    MIDDLE,
    NAME,
    NAME_MATCH_LEVELS,
    NAMES_MAY_SHARE_A_STRING,
    RULE_COMPARISONS,
    STREET_NOISY,
    STREETS_MAY_AGREE,
    expanded,
    functions_for,
    level_sql,
)
from ivs.match.model import MatchModel
from ivs.match.tin_keys import tin_text_sql

__all__ = ["BLOCKING_RULES", "BlockingRule", "blocking_steps", "comparison_steps", "match_steps"]


@dataclass(frozen=True, slots=True)
class BlockingRule:
    name: str
    description: str
    sql: str  # yields (request_key, tin); {unnest}, {jw} ... stand for the dialect's functions

    def sql_for(self, dialect: str) -> str:
        return _in_dialect(self.sql, dialect)


def _in_dialect(template: str, dialect: str) -> str:
    """SQL written with {jw}, {unnest} ... as ``dialect`` runs it."""
    return expanded(template.format(**functions_for(dialect)), dialect)


BLOCKING_RULES: tuple[BlockingRule, ...] = (
    BlockingRule(
        "tin",
        "the request's TIN",
        "SELECT r.request_key, t.tin FROM req r JOIN tp t ON r.tin_norm = t.tin",
    ),
    BlockingRule(
        "number_zip",
        "house number and ZIP code of any address of record, its street name within typing "
        "error; or its delivery line in the same city and state (a mistyped ZIP code)",
        "SELECT n.request_key, a.tin FROM number_zip_forms n JOIN addr a ON a.form_id = n.form_id",
    ),
    BlockingRule(
        "box_zip",
        "PO box or rural route and box, and ZIP code",
        "SELECT b.request_key, a.tin FROM box_zip_forms b JOIN addr a ON a.form_id = b.form_id",
    ),
    BlockingRule(
        "dob_initial",
        "date of birth, first initial and a surname's sound (finds people who moved ZIP)",
        # Joined on each surname sound rather than filtered by list overlap after joining on
        # date and initial: the same pairs, found by one equi-join.
        """SELECT r.request_key, t.tin
           FROM (SELECT request_key, dob, name_first_initial, {unnest}(name_phonetic) AS phonetic
                 FROM req) r
           JOIN (SELECT tin, date_of_birth, name_first_initial, {unnest}(name_phonetic) AS phonetic
                 FROM tp) t
             ON r.dob = t.date_of_birth AND r.name_first_initial = t.name_first_initial
            AND r.phonetic = t.phonetic""",
    ),
)


_FORM_ID_SPAN = 1 << 40
# Middle names that conflict tell a candidate apart unless a TIN agrees, or a date of birth
# agrees and the first given name is the same string: a conflict never discloses on name and
# address alone (a parent and a child of one name). A first given name met only through a
# nickname or transliteration key (variant) or a typing error (typo) with a date agreeing is not
# enough: the nickname lists make ROBERT and WILLIAM variants through BILL, and a date of birth
# copied from a household member then disclosed WILLIAM G HORNE for ROBERT T HORNE.
MIDDLE_CONFLICT = f"middle_level = {MIDDLE.labels().index('conflict')}"
# Name levels at which the first given name is the same string on both sides (in the swapped
# level, the request's surname field holds it).
NAME_GIVEN_SAME_LEVELS = frozenset({"exact", "reordered", "given_and_surname", "swapped"})
# Dates of birth that differ beyond a typing error tell a candidate apart.
DOB_CONFLICT = f"dob_level = {DOB.labels().index('disagree')}"
DOB_AGREES = f"dob_level = {DOB.labels().index('agree')}"


def _in(labels: frozenset[str], comparison_levels: tuple[str, ...]) -> str:
    return ", ".join(str(comparison_levels.index(label)) for label in sorted(labels))


def form_steps(dialect: str = "duckdb") -> list[SqlStep]:
    """``number_zip_forms`` and ``box_zip_forms``: (request_key, form_id) of the address forms
    the ``number_zip`` and ``box_zip`` rules reach, before any address of record is read.

    ``number_zip_forms`` also holds every form at which an address level above ``same_zip``
    may hold but the same delivery line (see ``pair_address``), so the comparisons need it too.
    """
    # The address forms at each request's house number and ZIP code whose street can agree,
    # found before any address of record is read: in one statement the engine joined all the
    # addresses of record to their forms first (14 M rows at 10 M taxpayers, for 1 M forms).
    # A mistyped ZIP code (98109 for 98101) meets no ZIP-keyed rule: the forms of the same
    # delivery line in the same city and state join too (an equi-join on the line, as cheap),
    # which the address level exact_city then compares.
    # A request's street is compared with each street at its house number and ZIP code once,
    # not once per address form there: a dense ZIP code has dozens of forms at one number, and
    # the same few streets recur across its requests (at 1 M taxpayers, national density, 11.8 M
    # forms at the requests' numbers were 2.2 M pairs of streets).
    request_streets = SqlStep(
        "request_streets",
        """SELECT row_number() OVER (ORDER BY addr_street_name, addr_suffix NULLS FIRST)
                  AS street_id, addr_street_name, addr_suffix
           FROM (SELECT DISTINCT addr_street_name, addr_suffix FROM req
                 WHERE addr_house_number IS NOT NULL AND addr_street_name IS NOT NULL)""",
    )
    # The requests with a house number, with their street's id, found before the forms join:
    # joined after it, on the street's text, the engine looked up the street of every form at
    # the request's number (11.7 M rows at 1 M taxpayers), not of every request.
    request_numbers = SqlStep(
        "request_numbers",
        """SELECT r.request_key, r.addr_house_number, r.addr_zip5, r.addr_line, s.street_id,
                  left(r.addr_street_name, 1) AS street_first, right(r.addr_street_name, 1)
                  AS street_last
           FROM req r LEFT JOIN request_streets s ON s.addr_street_name = r.addr_street_name
            AND s.addr_suffix IS NOT DISTINCT FROM r.addr_suffix
           WHERE r.addr_house_number IS NOT NULL""",
    )
    # The forms at each request's house number and ZIP code whose street begins or ends with
    # the letter the request's does (streets that may agree always do: STREETS_MAY_AGREE), or
    # on the request's own line. A dense ZIP code has dozens of forms at one number (99.6 M
    # rows at 10 M taxpayers, national density); with a letter in common, 17.0 M of them.
    # Kept, with both sides' street ids, for the two steps below: joined twice, the forms at
    # the number cost more than the rows kept.
    number_streets = SqlStep(
        "number_streets",
        """SELECT r.request_key, f.form_id, r.street_id AS request_street_id,
                  f.addr_street_id AS form_street_id,
                  coalesce(r.addr_line = f.addr_line, FALSE) AS same_line
           FROM request_numbers r
           JOIN (SELECT form_id, addr_house_number, addr_zip5, addr_line, addr_street_id,
                        left(addr_street_name, 1) AS street_first,
                        right(addr_street_name, 1) AS street_last
                 FROM forms) f
             ON r.addr_house_number = f.addr_house_number AND r.addr_zip5 = f.addr_zip5
           WHERE r.street_first = f.street_first OR r.street_last = f.street_last
              OR r.addr_line = f.addr_line""",
    )
    streets_may_agree = SqlStep(
        "streets_may_agree",
        _in_dialect(
            f"""SELECT p.request_street_id, p.form_street_id
                FROM (SELECT DISTINCT request_street_id, form_street_id FROM number_streets
                      WHERE NOT same_line AND request_street_id IS NOT NULL
                        AND form_street_id IS NOT NULL) p
                JOIN request_streets r ON r.street_id = p.request_street_id
                JOIN streets f ON f.street_id = p.form_street_id
                WHERE {STREETS_MAY_AGREE}""",
            dialect,
        ),
    )
    number_zip_forms = SqlStep(
        "number_zip_forms",
        """SELECT n.request_key, n.form_id FROM number_streets n
           LEFT JOIN streets_may_agree a ON a.request_street_id = n.request_street_id
            AND a.form_street_id = n.form_street_id
           WHERE n.same_line OR a.request_street_id IS NOT NULL
           UNION
           SELECT r.request_key, f.form_id FROM req r
           JOIN forms f ON r.addr_line = f.addr_line AND r.addr_city = f.addr_city
            AND r.addr_state = f.addr_state
           WHERE r.addr_house_number IS NOT NULL AND r.addr_zip5 <> f.addr_zip5""",
    )
    # Two equi-joins: as one join on the ZIP code with the keys in an OR, the engine compared
    # every request with every address form of its ZIP code (4.3 s of 4.6 at 1 M taxpayers,
    # national density; 0.3 s so). A step of its own: joined in the rule, the engine linked
    # every address of record to its form first (31 M rows at 10 M taxpayers).
    # A route alone pairs only with a route alone: a route with the request's box or none
    # selected every box on the route in a dense ZIP code, where no delivery line can agree.
    box_zip_forms = SqlStep(
        "box_zip_forms",
        """SELECT r.request_key, f.form_id FROM req r
           JOIN forms f ON r.addr_zip5 = f.addr_zip5 AND r.addr_po_box = f.addr_po_box
           UNION ALL
           SELECT r.request_key, f.form_id FROM req r
           JOIN forms f ON r.addr_zip5 = f.addr_zip5 AND r.addr_route = f.addr_route
           WHERE r.addr_po_box IS NULL AND f.addr_po_box IS NULL""",
    )
    return [
        request_streets,
        request_numbers,
        number_streets,
        streets_may_agree,
        number_zip_forms,
        box_zip_forms,
    ]


def blocking_steps(dialect: str = "duckdb") -> list[SqlStep]:
    """``pairs``: each (request, candidate) once, with a flag for every rule that found it."""
    # Each rule tags its rows with one bit; the grouping ORs them (cheaper than a string per
    # row compared once per rule) and also removes the rules' own duplicates.
    union = " UNION ALL ".join(
        f"SELECT request_key, tin, {1 << i} AS rule_bit FROM ({rule.sql_for(dialect)})"
        for i, rule in enumerate(BLOCKING_RULES)
    )
    flags = ", ".join(
        f"(bits & {1 << i}) <> 0 AS by_{rule.name}" for i, rule in enumerate(BLOCKING_RULES)
    )
    pairs = SqlStep(
        "pairs",
        f"SELECT request_key, tin, {flags} FROM (SELECT request_key, tin, bit_or(rule_bit) AS bits "
        f"FROM ({union}) GROUP BY request_key, tin)",
    )
    return [*form_steps(dialect), pairs]


def comparison_steps(
    *,
    on: date,
    dialect: str = "duckdb",
    pair_columns: tuple[str, ...] = ("request_key", "tin"),
    forms_found: bool = False,
    form_shown: bool = False,
) -> list[SqlStep]:
    """From ``pairs`` (whose columns are ``pair_columns``) to ``compared``: every comparison's
    level for every pair. ``forms_found``: the engine already holds :func:`form_steps`'
    tables (blocking made them), which the address comparison reads. ``form_shown``: each pair
    also names the address form its address level was found at (``address_form_id``), for
    ``ivs explain`` to show; nothing decided reads it, and finding it costs a tenth of
    ``pair_address`` at 10 M taxpayers."""
    labels = ADDRESS.labels()
    # An address level above same_zip needs the same delivery line in the same ZIP code or
    # city, or the house number and ZIP code with a street that may agree: the forms
    # number_zip_forms holds, with the same line. Only those (request, form) pairs are graded
    # in full; any other address of record is same_zip or other by its ZIP code alone, which
    # the addresses of record carry. Grading every address of every candidate read the whole
    # master's forms (31 M addresses, 16 M forms at 10 M taxpayers). The line is joined with the
    # ZIP code and with the city and state, two equi-joins: on the line alone, with the two in
    # an OR, a line such as 100 MAIN ST met its namesakes in every ZIP code of the country
    # (14.7 of 21 CPU seconds of the step at 10 M).
    near_forms = SqlStep(
        "near_forms",
        """SELECT request_key, form_id FROM number_zip_forms
           UNION
           SELECT r.request_key, f.form_id FROM req r
           JOIN forms f ON f.addr_line = r.addr_line AND f.addr_zip5 = r.addr_zip5
           UNION
           SELECT r.request_key, f.form_id FROM req r
           JOIN forms f ON f.addr_line = r.addr_line AND f.addr_city = r.addr_city
            AND f.addr_state = r.addr_state""",
    )
    # A step of its own, so the engine knows how few the near forms are: joined to the forms in
    # the same statement, it built its hash table on all of them instead (16 M at 10 M).
    near_levels = SqlStep(
        "near_levels",
        f"""
        SELECT n.request_key, n.form_id, {level_sql(ADDRESS, dialect)} AS lvl
        FROM near_forms n
        JOIN req r ON r.request_key = n.request_key
        JOIN forms f ON f.form_id = n.form_id
        """,
    )
    # Every pair, with its columns, its best address level and the form it holds at: a pair
    # whose taxpayer has no address of record is "other", with no form. Carrying the pairs'
    # columns here spares pair_levels a join of the pairs with their address levels (9.8 M
    # rows each at 10 M taxpayers, 1.1 s).
    # (request_key, tin) is a pair's key: its other columns are each the one value of the group.
    carried_pair_columns = "".join(
        f"any_value(p.{column}) AS {column}, "
        for column in pair_columns
        if column not in ("request_key", "tin")
    )
    # Of equal levels, the lowest form: every run names the same address. Level and form packed
    # in one integer (form ids, numbers of distinct address forms, stay below 2^40): a min over
    # integers costs less than a min_by over rows.
    packed = f"min(lvl * {_FORM_ID_SPAN} + form_id) % {_FORM_ID_SPAN}"
    form_of_level = f", {packed} AS address_form_id" if form_shown else ""
    form_column = ", a.form_id" if form_shown else ""
    best_address = SqlStep(
        "pair_address",
        f"""
        SELECT p.request_key, p.tin, {carried_pair_columns}
               min(lvl) AS address_level{form_of_level}
        FROM (
            SELECT p.*{form_column},
                   coalesce(n.lvl, CASE WHEN a.addr_zip5 = r.addr_zip5
                                        THEN {labels.index("same_zip")}
                                        ELSE {labels.index("other")} END) AS lvl
            FROM pairs p
            JOIN req r ON r.request_key = p.request_key
            LEFT JOIN addr a ON a.tin = p.tin
            LEFT JOIN near_levels n ON n.request_key = p.request_key AND n.form_id = a.form_id
        ) p
        GROUP BY p.request_key, p.tin
        """,
    )
    # The typo-level name comparison is the costly one; it is tried only where the address
    # matches (conditions 2 and 3 must both hold for any disclosure).
    gate = f"c.address_level IN ({_in(ADDRESS_MATCH_LEVELS, ADDRESS.labels())})"
    scalar_comparisons = [
        *(c for c in COMPARISONS if c.name not in ("name", "address")),
        *RULE_COMPARISONS,
    ]
    scalar_levels = ",\n".join(
        f"{level_sql(c, dialect)} AS {c.name}_level" for c in scalar_comparisons
    )
    # Every name level but the last needs the two names to share a string, or (the typo
    # level) the address to match; where neither can hold, the level is known without
    # reading the name lists (name_masks.py), which most pairs of the address rules are.
    names_may_agree = (
        f"coalesce((p.address_level IN ({_in(ADDRESS_MATCH_LEVELS, ADDRESS.labels())})) "
        f"OR {NAMES_MAY_SHARE_A_STRING}, FALSE)"
    )
    pair_levels = SqlStep(
        "pair_levels",
        f"""
        SELECT p.*, {scalar_levels},
               EXISTS (SELECT 1 FROM restr x WHERE x.tin = p.tin AND x.since <= DATE '{on}'
                       AND (x.until IS NULL OR x.until >= DATE '{on}')) AS restricted,
               {names_may_agree} AS names_may_agree,
               r.dob IS NULL AND r.dob_aside IS NOT NULL AS dob_set_aside
        FROM pair_address p
        JOIN req r ON r.request_key = p.request_key
        JOIN tp t ON t.tin = p.tin
        """,
    )
    # The taxpayers' name columns join the pairs in a step of their own, before the requests'
    # do: in one statement the engine joined the requests first and then held their name lists
    # in the hash table of the taxpayer join, one copy per pair.
    name_level = level_sql(NAME, dialect, address_gate=gate, dob_gate=f"c.{DOB_AGREES}")
    taxpayer_column = re.compile(r"\bt\.(name_\w+)")
    taxpayer_columns = sorted(set(taxpayer_column.findall(name_level)))
    name_level_from_pair_names = taxpayer_column.sub(r"c.t_\1", name_level)
    pair_names = SqlStep(
        "pair_names",
        f"""
        SELECT c.*, {", ".join(f"t.{column} AS t_{column}" for column in taxpayer_columns)}
        FROM pair_levels c
        JOIN tp t ON t.tin = c.tin
        WHERE c.names_may_agree
        """,
    )
    # Where the name is the same and the dates of birth agree, a delivery line beyond typing
    # error at the request's house number, unit and ZIP code is street_typo (STREET_NOISY).
    # Few pairs: those whose date agrees and whose address does not match. Their addresses of
    # record in the request's ZIP code are found first, in a step of their own, and their forms
    # joined by id after: in one statement the engine joined the requests to every form at their
    # house number and ZIP code and measured the edit distance to each (2.3 s of 2.4 for 20,000
    # requests at 1 M taxpayers).
    street_typo = ADDRESS.labels().index("street_typo")
    noisy_forms = SqlStep(
        "noisy_forms",
        f"""SELECT c.request_key, c.tin, a.form_id, r.addr_house_number, r.addr_zip5,
                   r.addr_unit_id, r.addr_line
            FROM pair_names c
            JOIN req r ON r.request_key = c.request_key
            JOIN addr a ON a.tin = c.tin AND a.addr_zip5 = r.addr_zip5
            WHERE c.{DOB_AGREES} AND NOT ({gate})
              AND r.name_last = c.t_name_last AND r.name_first = c.t_name_first""",
    )
    noisy_streets = SqlStep(
        "noisy_streets",
        _in_dialect(
            f"""SELECT r.request_key, r.tin, min(f.form_id) AS form_id
                FROM noisy_forms r
                JOIN forms f ON f.form_id = r.form_id
                WHERE {STREET_NOISY}
                GROUP BY r.request_key, r.tin""",
            dialect,
        ),
    )
    level_columns = ", ".join(
        f"c.{column}"
        for column in (
            *pair_columns,
            *(f"{c.name}_level" for c in scalar_comparisons),
            "restricted",
            "names_may_agree",
            "dob_set_aside",
        )
    )
    compared = SqlStep(
        "compared",
        f"""
        SELECT {level_columns},
               CASE WHEN n.form_id IS NULL THEN c.address_level ELSE {street_typo} END
                   AS address_level,
               {"coalesce(n.form_id, c.address_form_id) AS address_form_id," if form_shown else ""}
               {name_level_from_pair_names} AS name_level
        FROM pair_names c
        JOIN req r ON r.request_key = c.request_key
        LEFT JOIN noisy_streets n ON n.request_key = c.request_key AND n.tin = c.tin
        UNION ALL
        SELECT {level_columns}, c.address_level, {"c.address_form_id," if form_shown else ""}
               {len(NAME.levels) - 1} AS name_level
        FROM pair_levels c
        WHERE NOT c.names_may_agree
        """,
    )
    found = [] if forms_found else form_steps(dialect)
    return [
        *found,
        near_forms,
        near_levels,
        best_address,
        pair_levels,
        pair_names,
        noisy_forms,
        noisy_streets,
        compared,
    ]


def match_steps(model: MatchModel, *, on: date, dialect: str = "duckdb") -> list[SqlStep]:
    """Every step from the input tables to ``request_evidence``."""
    given_same = _in(NAME_GIVEN_SAME_LEVELS, NAME.labels())
    scored = SqlStep(
        "scored",
        f"""
        SELECT *, 1.0 / (1.0 + pow(2.0, -match_weight)) AS match_probability,
               name_level IN ({_in(NAME_MATCH_LEVELS, NAME.labels())}) AS name_ok,
               address_level IN ({_in(ADDRESS_MATCH_LEVELS, ADDRESS.labels())}) AS address_ok,
               (tin_level = 1 OR {DOB_CONFLICT} OR suffix_level = 1
                OR ({MIDDLE_CONFLICT} AND tin_level <> 0
                    AND NOT ({DOB_AGREES} AND name_level IN ({given_same})))) AS told_apart,
               -- Told apart by nothing but a date of birth set aside as implausible (with the
               -- date set aside, the dates never agree, so the middle-name override is moot).
               (dob_set_aside AND {DOB_CONFLICT} AND NOT (tin_level = 1 OR suffix_level = 1
                OR ({MIDDLE_CONFLICT} AND tin_level <> 0))) AS told_apart_by_set_aside
        FROM (SELECT *, {model.weight_sql()} AS match_weight FROM compared)
        """,
    )
    # One row per request: the best candidate overall, the best that meets conditions 2-3 and
    # is not told apart from the request, and the runner-up among those (uniqueness, rule 4).
    runner_up = functions_for(dialect)["second_largest"].format(x="match_weight", where="fits")
    # The best is the heaviest; of equal weights, the lowest TIN, as the candidate lists order
    # them, so the same batch names the same best candidate on every run and engine.
    best = functions_for(dialect)["row"] + "(-match_weight, tin)"
    evidence = SqlStep(
        "request_evidence",
        f"""
        WITH s AS (
            SELECT *, name_ok AND address_ok AND NOT told_apart AS fits,
                   name_ok AND address_ok AS name_address_ok
            FROM scored
        )
        SELECT request_key,
               count(*) AS candidates,
               count(*) FILTER (WHERE name_ok) AS name_matches,
               count(*) FILTER (WHERE name_address_ok) AS name_address_matches,
               count(*) FILTER (WHERE fits) AS plausible,
               max(match_weight) FILTER (WHERE fits) AS best_weight,
               {tin_text_sql(f"min_by(tin, {best}) FILTER (WHERE fits)")} AS best_tin,
               min_by(match_probability, {best}) FILTER (WHERE fits) AS best_probability,
               min_by(restricted, {best}) FILTER (WHERE fits) AS best_restricted,
               {runner_up} AS runner_up_weight,
               bool_or(tin_level = 1) FILTER (WHERE name_address_ok) AS any_tin_conflict,
               bool_or({DOB_CONFLICT}) FILTER (WHERE name_address_ok) AS any_dob_conflict,
               count(*) FILTER (WHERE name_address_ok AND told_apart_by_set_aside)
                   AS set_aside_rivals,
               bool_or(suffix_level = 1) FILTER (WHERE name_address_ok) AS any_suffix_conflict
        FROM s
        GROUP BY request_key
        """,
    )
    pair_columns = ("request_key", "tin", *(f"by_{rule.name}" for rule in BLOCKING_RULES))
    return [
        *blocking_steps(dialect),
        *comparison_steps(on=on, dialect=dialect, pair_columns=pair_columns, forms_found=True),
        scored,
        evidence,
    ]
