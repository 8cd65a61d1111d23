"""Comparisons between a request and a candidate taxpayer, as ordered levels in engine SQL.

Each comparison is a list of levels, best first; a pair takes the first level whose condition
holds. Conditions are written with a handful of functions whose names differ by engine (see
``FUNCTIONS``), so the same comparison runs on DuckDB and on Spark. Columns come from
standardization (for names, the columns of name_columns.py: token masks, tokens as integer
ids, texts for the typo level): ``r`` is the request,
``t`` the taxpayer, ``f`` an address of record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ivs.domain.errors import ConfigError
from ivs.match.string_sql import expand_spark_functions

__all__ = [
    "ADDRESS",
    "ADDRESS_MATCH_LEVELS",
    "COMPARISONS",
    "DOB",
    "FUNCTIONS",
    "MIDDLE",
    "NAME",
    "NAMES_MAY_SHARE_A_STRING",
    "NAME_MATCH_LEVELS",
    "RULE_COMPARISONS",
    "STREETS_MAY_AGREE",
    "STREET_NOISY",
    "SUFFIX",
    "TIN",
    "Comparison",
    "Level",
    "expanded",
    "functions_for",
    "level_sql",
]

_GENDER_PAIR = (
    "(@X <> @Y AND left(@X, length(@X) - 1) = left(@Y, length(@Y) - 1) "
    "AND right(@X, 1) IN ('A', 'O') AND right(@Y, 1) IN ('A', 'O'))"
)
# Two name tokens are "near" when equal, one edit or transposition apart (four letters or more:
# LI/YI, WU/XU are different names), or two apart and Jaro-Winkler 0.9 (seven letters or more), and
# never an A/O gender pair (MARIA/MARIO). Jaro-Winkler alone is too kind to shared prefixes:
# JOHN and JOHNSON score 0.91.
# The cheap tests come first and spare most pairs the edit distance, the costly one: one edit
# or transposition changes the length by at most one and, in four letters or more, leaves the
# first or the last letter as it was; Jaro-Winkler is cheaper than the distance it precedes.
# Written as a CASE because a CASE tries each branch only on the rows still undecided, in any
# context; inside a lambda (the typo level's every-token test) an OR of ANDs had every operand,
# edit distances included, computed for every pair of tokens, seven times the cost.
_NEAR_SPELLING = (
    "(CASE WHEN @X = @Y THEN TRUE "
    "WHEN greatest(length(@X), length(@Y)) >= 4 AND abs(length(@X) - length(@Y)) <= 1 "
    "AND (left(@X, 1) = left(@Y, 1) OR right(@X, 1) = right(@Y, 1)) "
    "AND {dlev}(@X, @Y) <= 1 THEN NOT " + _GENDER_PAIR + " "
    "WHEN length(@X) >= 7 AND {jw}(@X, @Y) >= 0.9 AND {dlev}(@X, @Y) <= 2 "
    "THEN NOT " + _GENDER_PAIR + " ELSE FALSE END)"
)
# OCR confusions (a scan reads 1 for L, 0 for O, 5 for S, RN for M, VV for W): a standardized
# name holds no digit and no VV, so a token that does is a misreading, and it is read back
# before the spelling test (ERNI1Y is EMILY; the other side is left as written). The standard-
# izer already reads a colon or bar between letters as I (FA:TH is FAITH). Only a misread token
# is read back: RN and M are both real in names (ARNIE, AMIE), and no real name changes.
# One regular expression: as a translate and a search, the test took 2.0 of the 7 s that the
# comparisons of 9.8 M pairs took (10 M taxpayers), asked of two names for most pairs.
_OCR_MISREAD = "{matches}(@X, '[0-9]|VV')"
_OCR_READ = "replace(replace(translate(@X, '0124568', 'OLZASGB'), 'RN', 'M'), 'VV', 'W')"


def _ocr_read(x: str) -> str:
    """SQL: ``x`` read back from OCR confusions where it is misread, else ``x``."""
    return (
        f"(CASE WHEN {_OCR_MISREAD.replace('@X', x)} THEN {_OCR_READ.replace('@X', x)} "
        f"ELSE {x} END)"
    )


_NEAR = (
    "(CASE WHEN "
    + _NEAR_SPELLING
    + " THEN TRUE WHEN "
    + _OCR_MISREAD
    + " OR "
    + _OCR_MISREAD.replace("@X", "@Y")
    + " THEN "
    + _NEAR_SPELLING.replace("@X", _ocr_read("@X")).replace("@Y", _ocr_read("@Y"))
    + " ELSE FALSE END)"
)

# Engine function names: the only place the dialects differ.
FUNCTIONS: dict[str, dict[str, str]] = {
    "duckdb": {
        "overlap": "list_has_any",
        "sort": "list_sort",
        "jw": "jaro_winkler_similarity",
        "lev": "levenshtein",
        "dlev": "damerau_levenshtein",
        "first": "list_extract",
        "size": "len",
        "distinct": "list_distinct",
        "split": "string_split",
        "starts": "starts_with",
        "ends": "ends_with",
        # A regular expression found anywhere in a string.
        "matches": "regexp_matches",
        # Every token of list {a} has a near partner ({near}) in list {b}.
        "all_similar": "list_bool_and(list_transform({a}, lambda x: list_bool_or("
        "list_transform({b}, lambda y: {near}))))",
        # One row per element of a list, in a SELECT list.
        "unnest": "unnest",
        # An ordered tuple of values (compared field by field, as min_by needs).
        "row": "row",
        # Aggregate: the second largest {x} among the rows where {where} holds (NULL if none).
        "second_largest": "list({x} ORDER BY {x} DESC) FILTER (WHERE {where})[2]",
    },
    "spark": {
        "overlap": "arrays_overlap",
        # sort_array is compiled; array_sort compares through an interpreted lambda.
        "sort": "sort_array",
        # Spark has no Jaro-Winkler or Damerau-Levenshtein, and its levenshtein counts
        # characters where DuckDB counts bytes: ivs.match.string_sql expands these three into
        # Spark SQL that computes exactly what DuckDB does.
        "jw": "ivs_jaro_winkler",
        "lev": "ivs_levenshtein",
        "dlev": "ivs_damerau_levenshtein",
        # element_at fails past the end under ANSI SQL; DuckDB's list_extract gives NULL.
        "first": "try_element_at",
        "size": "size",
        "distinct": "array_distinct",
        # A plain string as the separator is taken as a regular expression; a space is itself.
        "split": "split",
        "starts": "startswith",
        "ends": "endswith",
        "matches": "regexp_like",
        "all_similar": "forall({a}, x -> exists({b}, y -> {near}))",
        "unnest": "explode",
        "row": "struct",
        "second_largest": "try_element_at(sort_array(collect_list({x}) FILTER (WHERE {where}), "
        "false), 2)",
    },
}

# What a dialect does to finished SQL: Spark's has the string functions it lacks written out.
EXPANSIONS: dict[str, Callable[[str], str]] = {"spark": expand_spark_functions}

STREET_JW = 0.90


@dataclass(frozen=True, slots=True)
class Level:
    label: str
    condition: str  # SQL template with {overlap}, {sort}, {jw}; "" for the final else-level
    description: str


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str
    description: str
    levels: tuple[Level, ...]

    def labels(self) -> tuple[str, ...]:
        return tuple(level.label for level in self.levels)


# The first given name must agree with the first given name: a middle name (the Vietnamese THI,
# or a relative's first name used as a middle name) never stands in for it.
_FIRST_GIVEN = "r.name_first_given_id = t.name_first_given_id"
# The first given name's keys are among the given keys (name_parts.given_part), so two names
# whose given masks are disjoint cannot share one: the scalar test spares most pairs the lists.
_FIRST_GIVEN_KEY = (
    "((r.name_given_mask & t.name_given_mask) <> 0 "
    "AND {overlap}(r.name_first_key_ids, t.name_first_key_ids))"
)
# Where both sides give a compound surname, the first (paternal) surnames must agree: JORGE
# GARCIA LOPEZ and JORGE RODRIGUEZ LOPEZ share a mother's name, not a person.
_PATERNAL_AGREES = (
    "NOT ({size}(r.name_surname_token_ids) > 1 AND {size}(t.name_surname_token_ids) > 1 "
    "AND r.name_first_surname_id <> t.name_first_surname_id)"
)


# For the typo level: the first given names are near each other, straight or with the fields
# swapped (the request's surname field then holds the given name).
def _near_pair(x: str, y: str) -> str:
    return _NEAR.replace("@X", x).replace("@Y", y)


def _spelling_near_pair(x: str, y: str) -> str:
    """The near test without reading OCR misreadings back: for names with none."""
    return _NEAR_SPELLING.replace("@X", x).replace("@Y", y)


_FIRST_GIVEN_NEAR = (
    "("
    + _near_pair("r.name_first_given", "t.name_first_given")
    + " OR "
    + _FIRST_GIVEN_KEY
    + " OR "
    + _near_pair("r.name_first_surname", "t.name_first_given")
    + ")"
)
# Noise beyond typing error (pseudopeople's OCR and keyboard noise at twice its default: SJRAND
# for DURAND, QALIYAB for AALIYAH): two edits in five letters or more, three in eight or more,
# never an A/O gender pair. OCR misreadings are not read back here: the peer worlds' figures were
# the same without it, and on Spark the read-back, written out inside each edit distance, made
# plans too long to print. Far looser than the typo test, so
# the typo level takes it only for one of the first given name and the paternal surname, the
# other the same string, with the address matching and the date of birth agreeing exactly
# ({dob_gate}: a date set aside never counts for a candidate).
_NOISY_SPELLING = (
    "(CASE WHEN @X = @Y THEN TRUE "
    "WHEN greatest(length(@X), length(@Y)) >= 5 AND abs(length(@X) - length(@Y)) <= 2 "
    "AND {dlev}(@X, @Y) <= 2 THEN NOT " + _GENDER_PAIR + " "
    "WHEN greatest(length(@X), length(@Y)) >= 8 AND abs(length(@X) - length(@Y)) <= 3 "
    "AND {dlev}(@X, @Y) <= 3 THEN NOT " + _GENDER_PAIR + " ELSE FALSE END)"
)


_ONE_PART_NOISY = (
    "(CASE WHEN {dob_gate} THEN ((r.name_first_given_id = t.name_first_given_id AND "
    + _NOISY_SPELLING.replace("@X", "r.name_first_surname").replace("@Y", "t.name_first_surname")
    + ") OR (r.name_first_surname_id = t.name_first_surname_id AND "
    + _NOISY_SPELLING.replace("@X", "r.name_first_given").replace("@Y", "t.name_first_given")
    + ")) ELSE FALSE END)"
)
# For the swapped level: the request's given-name field holds the paternal surname and its
# surname field the first given name.
_SWAPPED_AGREES = (
    "r.name_first_surname_id = t.name_first_given_id "
    "AND NOT ({size}(r.name_given_token_ids) > 1 AND {size}(t.name_surname_token_ids) > 1 "
    "AND r.name_first_given_id <> t.name_first_surname_id)"
)
# Scalar guards from the names' token masks (name_masks.py): necessary for the list test they
# precede (two lists that share a string share its bit), so they change no level, and they
# spare most pairs the list functions.
_SURNAMES_MAY_SHARE = "(r.name_surname_mask & t.name_surname_mask) <> 0"
_SAME_TOKEN_SET_MAY_HOLD = "r.name_tokens_mask = t.name_tokens_mask"
_GIVEN_MAY_BE_A_SURNAME = "(r.name_given_mask & t.name_surname_mask) <> 0"
_FIELDS_MAY_BE_SWAPPED = (
    _GIVEN_MAY_BE_A_SURNAME + " AND (r.name_surname_mask & t.name_given_mask) <> 0"
)
# Necessary for every name level but typo (which needs the address to match) and other: the
# pairs where it fails are "other" unless the address matches.
NAMES_MAY_SHARE_A_STRING = (
    f"r.name_last = t.name_last OR {_SAME_TOKEN_SET_MAY_HOLD} OR {_SURNAMES_MAY_SHARE} "
    f"OR {_GIVEN_MAY_BE_A_SURNAME}"
)
NAME = Comparison(
    "name",
    "The request's name against the taxpayer's, order-free over standardized tokens.",
    (
        Level(
            "exact",
            "r.name_last = t.name_last AND r.name_first = t.name_first",
            "same surname and first name after standardization",
        ),
        Level(
            "reordered",
            # Cheap tests first: they spare most pairs the two sorts.
            _SAME_TOKEN_SET_MAY_HOLD + " AND {size}(r.name_token_ids) = {size}(t.name_token_ids) "
            "AND {sort}(r.name_token_ids) = {sort}(t.name_token_ids)",
            "the same name tokens in another order (family-first or swapped fields)",
        ),
        Level(
            "given_and_surname",
            _SURNAMES_MAY_SHARE
            + " AND "
            + _FIRST_GIVEN
            + " AND {overlap}(r.name_surname_token_ids, t.name_surname_token_ids) AND "
            + _PATERNAL_AGREES,
            "the first given name and a surname agree (e.g. one surname of a compound or "
            "the middle name dropped)",
        ),
        Level(
            "swapped",
            _FIELDS_MAY_BE_SWAPPED + " AND {overlap}(r.name_given_key_ids, t.name_surname_key_ids) "
            "AND {overlap}(r.name_surname_key_ids, t.name_given_key_ids) AND " + _SWAPPED_AGREES,
            "given name and surname exchanged between fields (keys also join particles, "
            "so VAN ANH matches VANANH)",
        ),
        Level(
            "variant",
            _SURNAMES_MAY_SHARE
            + " AND {overlap}(r.name_surname_key_ids, t.name_surname_key_ids) AND "
            + _FIRST_GIVEN_KEY
            + " AND "
            + _PATERNAL_AGREES,
            "agreement through a nickname or transliteration variant",
        ),
        Level(
            "typo",
            # Cheapest tests first: each AND spares the pairs it fails the costlier ones after it.
            "{address_gate} AND abs({size}(r.name_token_ids) - {size}(t.name_token_ids)) <= 1 AND "
            "(CASE WHEN " + _FIRST_GIVEN_NEAR + " AND {size}({distinct}(r.name_token_ids)) >= 2 "
            "AND {size}({distinct}(t.name_token_ids)) >= 2"
            " AND ({size}({distinct}(r.name_token_ids)) > {size}({distinct}(t.name_token_ids))"
            " OR {all_similar_rt})"
            " AND ({size}({distinct}(t.name_token_ids)) > {size}({distinct}(r.name_token_ids))"
            " OR {all_similar_tr}) THEN TRUE ELSE " + _ONE_PART_NOISY + " END)",
            "every name token of the smaller side (of both, when equal) has a partner on the "
            "other within typing-error "
            "similarity, in any order, with at most one token more on either side, and the "
            "first given names are near each other; or, with the date of birth agreeing, one of "
            "the first given name and the paternal surname the same and the other within two "
            "edits (five letters or more) or three (eight or more); tried only where an address "
            "of record matches, since no other pair can be disclosed",
        ),
        Level(
            "surname_only",
            _SURNAMES_MAY_SHARE + " AND {overlap}(r.name_surname_key_ids, t.name_surname_key_ids)",
            "only the surname agrees: a different person of the same family name",
        ),
        Level("other", "", "the names disagree"),
    ),
)

_UNIT_AGREES = "r.addr_unit_id IS NOT DISTINCT FROM f.addr_unit_id"


# The street name within typing error.
def _street_near(x: str, y: str) -> str:
    """SQL: the request's street name ``x`` within typing error of the recorded ``y``, or one
    edit apart once OCR's RN for M and VV for W are read back in the request's (RNVELLER CIR
    is MUELLER CIR, VVY RD is WY RD; a scan misreads the request, not the master); in each
    case beginning or ending with the same letter as written.

    A typing error leaves one end of a name as it was (one edit cannot change both ends of two
    letters or more); A ST and B ST are two streets. The letter is what lets the number_zip
    rule join the forms at a house number on it (pipeline.py, number_streets): at 10 M
    taxpayers, no street pair that agreed without it had both ends differ."""
    read_back = f"replace(replace({x}, 'RN', 'M'), 'VV', 'W')"
    return (
        f"((left({x}, 1) = left({y}, 1) OR right({x}, 1) = right({y}, 1)) "
        f"AND ({{jw}}({x}, {y}) >= {STREET_JW} OR {{lev}}({x}, {y}) <= 1 "
        f"OR (CASE WHEN instr({x}, 'RN') > 0 OR instr({x}, 'VV') > 0 "
        f"THEN {{lev}}({read_back}, {y}) <= 1 ELSE FALSE END)))"
    )


_STREET_NEAR = _street_near("r.addr_street_name", "f.addr_street_name")
# A mistyped suffix (OAK DRIBE) or directional (NOETHEAST MAIN) that the parser could not read,
# left in the street name beside the recorded name.
_SUFFIX_IN_STREET = (
    "({starts}(r.addr_street_name, f.addr_street_name || ' ') OR "
    # ... also where the street name itself is mistyped (MARSHAPL RLAD for MARSHALL RD, WST
    # BAHENTWOOD DRYVE for WST BRENTWOOD DR): its last word begins as the recorded suffix does,
    # and the words before it are within typing error of the recorded name.
    # A CASE, so the regular expressions run only on the pairs the cheap tests let through
    # (operands of an OR or AND are all computed): a request without a suffix is common, and
    # its street's first letter is the recorded one's in a twentieth of the pairs or so.
    "(CASE WHEN r.addr_suffix IS NOT NULL OR f.addr_suffix IS NULL "
    "OR left(r.addr_street_name, 1) <> left(f.addr_street_name, 1) THEN FALSE "
    "WHEN regexp_extract(r.addr_street_name, ' ([^ ])[^ ]*$', 1) = left(f.addr_suffix, 1) THEN "
    + _street_near("regexp_replace(r.addr_street_name, ' [^ ]+$', '')", "f.addr_street_name")
    + " ELSE FALSE END))"
)
_DIRECTIONAL_IN_STREET = "{ends}(r.addr_street_name, ' ' || f.addr_street_name)"
# With the same delivery line, necessary for the levels exact, street_typo and unit_differs at
# an address of record with the request's house number and ZIP code: each needs the same line
# or one of street_typo's street tests. The number_zip blocking rule keeps only such addresses
# (the same number on another street of the ZIP is nobody's address match), testing each pair
# of streets once. Cheap tests first.
STREETS_MAY_AGREE = (
    f"(r.addr_street_name = f.addr_street_name OR {_SUFFIX_IN_STREET} "
    f"OR {_DIRECTIONAL_IN_STREET} OR {_STREET_NEAR})"
)
# Noise beyond typing error in the delivery line (RIVWRGIEW for RIVERVIEW, FOZFTER LN for FOSTER
# LN, OLIVIAHY LEN for OLIVIERI LN) at the request's house number, unit and ZIP code: within a
# quarter of the recorded line's length in edits (two at least). Read only for a pair whose
# name is the same and whose dates of birth agree (ivs.match.pipeline, noisy_streets), which
# it then makes street_typo: a line this far off matches only the person the rest names.
STREET_NOISY = (
    "r.addr_house_number = f.addr_house_number AND r.addr_zip5 = f.addr_zip5 "
    f"AND {_UNIT_AGREES} AND {{dlev}}(r.addr_line, f.addr_line) "
    "<= greatest(2, floor(length(f.addr_line) / 4))"
)
ADDRESS = Comparison(
    "address",
    "The request's address against the taxpayer's best-agreeing address of record (any year).",
    (
        Level(
            "exact",
            f"r.addr_line = f.addr_line AND r.addr_zip5 = f.addr_zip5 AND {_UNIT_AGREES}",
            "same delivery line, unit and ZIP code",
        ),
        Level(
            "exact_city",
            f"r.addr_line = f.addr_line AND r.addr_city = f.addr_city "
            f"AND r.addr_state = f.addr_state AND {_UNIT_AGREES}",
            "same delivery line and unit in the same city, the ZIP code differs",
        ),
        Level(
            "street_typo",
            "r.addr_house_number = f.addr_house_number AND r.addr_zip5 = f.addr_zip5 "
            f"AND {_UNIT_AGREES} AND ("
            f"({_STREET_NEAR} "
            "AND r.addr_suffix IS NOT DISTINCT FROM f.addr_suffix "
            "AND r.addr_predir IS NOT DISTINCT FROM f.addr_predir "
            "AND r.addr_postdir IS NOT DISTINCT FROM f.addr_postdir) "
            f"OR (r.addr_suffix IS NULL AND f.addr_suffix IS NOT NULL AND {_SUFFIX_IN_STREET} "
            "AND r.addr_predir IS NOT DISTINCT FROM f.addr_predir) "
            f"OR (r.addr_predir IS NULL AND f.addr_predir IS NOT NULL AND {_DIRECTIONAL_IN_STREET} "
            "AND r.addr_suffix IS NOT DISTINCT FROM f.addr_suffix))",
            "same house number, unit and ZIP; the street name, or an unreadable suffix or "
            "directional, within typing error; a recorded suffix or directional must agree "
            "(MAIN CT and MAIN ST are different streets)",
        ),
        Level(
            "unit_differs",
            "r.addr_line = f.addr_line AND r.addr_zip5 = f.addr_zip5",
            "same delivery line and ZIP but the unit differs or only one side has one",
        ),
        Level("same_zip", "r.addr_zip5 = f.addr_zip5", "only the ZIP code agrees"),
        Level("other", "", "no address of record agrees"),
    ),
)

TIN = Comparison(
    "tin",
    "The request's TIN, where given, against the taxpayer's.",
    (
        Level("agree", "r.tin_norm = t.tin", "same TIN"),
        Level("disagree", "r.tin_norm IS NOT NULL", "the request gives another TIN"),
        Level("missing", "", "the request gives no TIN"),
    ),
)

# One typing error in a date: month and day exchanged; or one of day and month off in one
# digit, the rest equal; or the year off in its last digit only, month and day equal
# (1958/1959). A father and a son of one name differ in the decade or more, twins not at all.
_DOB_TYPO = (
    "((year(r.dob) = year(t.date_of_birth) AND month(r.dob) = day(t.date_of_birth) "
    "AND day(r.dob) = month(t.date_of_birth)) "
    "OR (year(r.dob) = year(t.date_of_birth) AND month(r.dob) = month(t.date_of_birth) "
    "AND (floor(day(r.dob) / 10) = floor(day(t.date_of_birth) / 10) "
    "OR day(r.dob) % 10 = day(t.date_of_birth) % 10)) "
    "OR (year(r.dob) = year(t.date_of_birth) AND day(r.dob) = day(t.date_of_birth) "
    "AND (floor(month(r.dob) / 10) = floor(month(t.date_of_birth) / 10) "
    "OR month(r.dob) % 10 = month(t.date_of_birth) % 10)) "
    "OR (month(r.dob) = month(t.date_of_birth) AND day(r.dob) = day(t.date_of_birth) "
    "AND floor(year(r.dob) / 10) = floor(year(t.date_of_birth) / 10)))"
)
_DOB_ASIDE_TYPO = _DOB_TYPO.replace("r.dob", "r.dob_aside")
DOB = Comparison(
    "dob",
    "The request's date of birth, where both sides have one, against the taxpayer's.",
    (
        Level("agree", "r.dob = t.date_of_birth", "same date of birth"),
        Level(
            "typo",
            "r.dob IS NOT NULL AND t.date_of_birth IS NOT NULL AND " + _DOB_TYPO,
            "one typing error apart: month and day exchanged, one digit of the day or the "
            "month, or the year's last digit; no evidence either way, never a conflict",
        ),
        Level(
            "disagree",
            "t.date_of_birth IS NOT NULL AND (r.dob IS NOT NULL OR (r.dob_aside IS NOT NULL "
            f"AND r.dob_aside <> t.date_of_birth AND NOT {_DOB_ASIDE_TYPO}))",
            "the dates of birth differ; or the request's date, set aside as implausible, is "
            "another day than the taxpayer's beyond a typing error (it counts against a "
            "candidate, never for one)",
        ),
        Level("missing", "", "one side has no date of birth"),
    ),
)

SUFFIX = Comparison(
    "suffix",
    "Generational suffix (JR, SR, II, III ...): tells a father from a son of the same name.",
    (
        Level("agree", "r.name_suffix = t.name_suffix", "same suffix"),
        Level(
            "conflict",
            "r.name_suffix IS NOT NULL AND t.name_suffix IS NOT NULL",
            "both have a suffix and they differ",
        ),
        Level(
            "one_missing",
            "r.name_suffix IS NOT NULL OR t.name_suffix IS NOT NULL",
            "only one side has a suffix",
        ),
        Level("neither", "", "neither side has a suffix"),
    ),
)

MIDDLE = Comparison(
    "middle",
    "Middle name or initial, where both sides give one: two people of one given name and surname "
    "at one address (a parent and a child, roommates) are often told apart only by it.",
    (
        Level("agree", "r.name_middle = t.name_middle", "same middle name (or initial)"),
        Level(
            "initial_agrees",
            "substring(r.name_middle, 1, 1) = substring(t.name_middle, 1, 1)",
            "the initials agree: one side gives only the initial of the other's middle name, or "
            "the two differ after it",
        ),
        Level(
            "conflict",
            "r.name_middle IS NOT NULL AND t.name_middle IS NOT NULL",
            "both give a middle name and their initials differ",
        ),
        Level("missing", "", "one side or both give no middle name"),
    ),
)

COMPARISONS: tuple[Comparison, ...] = (NAME, ADDRESS, TIN, DOB, SUFFIX)
# Compared for every pair but not weighted by the model: the decision rules read them.
RULE_COMPARISONS: tuple[Comparison, ...] = (MIDDLE,)

# Levels at which the law's conditions 2 and 3 hold (name matches; address matches to the unit).
NAME_MATCH_LEVELS = frozenset(
    {"exact", "reordered", "given_and_surname", "swapped", "variant", "typo"}
)
ADDRESS_MATCH_LEVELS = frozenset({"exact", "exact_city", "street_typo"})


def functions_for(dialect: str) -> dict[str, str]:
    """The engine function names and templates of ``dialect`` (``FUNCTIONS``)."""
    try:
        return FUNCTIONS[dialect]
    except KeyError as e:
        raise ConfigError(
            f"unknown engine dialect {dialect!r}; known: {', '.join(FUNCTIONS)}"
        ) from e


def level_sql(
    comparison: Comparison, dialect: str, *, address_gate: str = "TRUE", dob_gate: str = "FALSE"
) -> str:
    """A SQL CASE giving the index of the first level that holds (0 = best). The typo name
    level reads ``address_gate`` (an address of record matches) and ``dob_gate`` (the dates of
    birth agree), conditions on the pair's other levels."""
    names = functions_for(dialect)
    near = _near_pair("x", "y").format(**names)
    spelling = _spelling_near_pair("x", "y").format(**names)
    # The typo level measures spelling: it reads the tokens as strings, from their text.
    r_tokens, t_tokens = (f"{names['split']}({side}.name_token_text, ' ')" for side in "rt")
    # The test with OCR read-back runs only for the pairs whose names hold a misreading: once
    # per pair on the whole text, not once per pair of tokens inside the lambdas.
    misread = " OR ".join(
        _OCR_MISREAD.replace("@X", f"{side}.name_token_text").format(**names) for side in "rt"
    )

    def every_token(a: str, b: str) -> str:
        with_ocr = names["all_similar"].format(a=a, b=b, near=near)
        plain = names["all_similar"].format(a=a, b=b, near=spelling)
        return f"(CASE WHEN {misread} THEN {with_ocr} ELSE {plain} END)"

    snippets = {
        **names,
        "address_gate": address_gate,
        "dob_gate": dob_gate,
        # Over distinct tokens: AHMED AHMED must not pass as two matches of one AHMRD.
        "all_similar_rt": every_token(f"{names['distinct']}({r_tokens})", t_tokens),
        "all_similar_tr": every_token(f"{names['distinct']}({t_tokens})", r_tokens),
    }
    whens = [
        f"WHEN {level.condition.format(**snippets)} THEN {i}"
        for i, level in enumerate(comparison.levels)
        if level.condition
    ]
    return expanded(f"CASE {' '.join(whens)} ELSE {len(comparison.levels) - 1} END", dialect)


def expanded(sql: str, dialect: str) -> str:
    """Finished SQL as ``dialect`` runs it (Spark's with the string functions it lacks)."""
    expand = EXPANSIONS.get(dialect)
    return expand(sql) if expand is not None else sql
