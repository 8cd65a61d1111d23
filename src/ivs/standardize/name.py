"""Standardized names as Arrow columns: canonical forms, tokens, variant keys, name control.

``standardize_names`` takes the four name columns of a request batch or of the master file
and returns the ``name_*`` columns below, one row per input row in the same order. It
deduplicates first: the surname part is computed once per distinct ``last_name`` and the
given part once per distinct ``(first_name, middle_name)``, then spread over the rows with
``take``; only the cheap row-level joins (suffix, full name, all tokens, defect) run on every
row, and they run as Arrow or numpy kernels.

Output columns (see ``docs/standardization.md``, "Names"):

=====================  =============  ===========================================================
column                 type           meaning
=====================  =============  ===========================================================
name_last              string         surname(s), particles joined: ``DELACRUZ``, ``GARCIA MARQUEZ``
name_first             string         first-name field, canonical (connectors kept for display)
name_middle            string         middle-name field; null for NMN / NONE / N/A
name_suffix            string         JR, SR, II, III, IV, V or null, from any field
name_full              string         ``FIRST MIDDLE LAST``
name_surname_tokens    list<string>   surnames, joined compound, particle group's last word
name_given_tokens      list<string>   given-name words of first and middle, connectors dropped
name_tokens            list<string>   given tokens then surname words unjoined: order-free sets
name_given_keys        list<string>   per given token: itself, formal names, romanisation keys
name_first_keys        list<string>   the same keys for the first given token alone
name_surname_keys      list<string>   per surname token: itself and its romanisation key
name_phonetic          list<string>   NYSIIS of the Spanish-folded surnames (blocking)
name_metaphone         list<string>   Metaphone of the Spanish-folded surnames (blocking)
name_first_initial     string         first letter of the first given name
name_control           string         IRS name control (up to four characters)
name_defect            string         NAME_LAST_MISSING, NAME_FIRST_MISSING, NAME_PLACEHOLDER
=====================  =============  ===========================================================

Placeholder fields (UNKNOWN, FNU, ...) keep their text in ``name_last``/``name_first`` but give
no tokens or keys, so nothing can match on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ivs.domain.errors import NameInputError
from ivs.standardize.name_arrow import concat_lists, distinct_codes, encode_column
from ivs.standardize.name_parts import GivenPart, SurnamePart, given_part, surname_part
from ivs.standardize.name_text import normalize_suffix

__all__ = [
    "INPUT_COLUMNS",
    "NAME_COLUMNS",
    "NAME_SCHEMA",
    "NameInputError",
    "standardize_name",
    "standardize_names",
]

INPUT_COLUMNS: tuple[str, ...] = ("last_name", "first_name", "middle_name", "name_suffix")

_LIST = pa.list_(pa.string())
NAME_SCHEMA = pa.schema(
    [
        ("name_last", pa.string()),
        ("name_first", pa.string()),
        ("name_middle", pa.string()),
        ("name_suffix", pa.string()),
        ("name_full", pa.string()),
        ("name_surname_tokens", _LIST),
        ("name_given_tokens", _LIST),
        ("name_tokens", _LIST),
        ("name_given_keys", _LIST),
        ("name_first_keys", _LIST),
        ("name_surname_keys", _LIST),
        ("name_phonetic", _LIST),
        ("name_metaphone", _LIST),
        ("name_first_initial", pa.string()),
        ("name_control", pa.string()),
        ("name_defect", pa.string()),
    ]
)
NAME_COLUMNS: tuple[str, ...] = tuple(NAME_SCHEMA.names)


def _input_column(table: pa.Table, name: str) -> pa.ChunkedArray:
    if name not in table.column_names:
        if name in ("middle_name", "name_suffix"):
            return pa.chunked_array([pa.nulls(table.num_rows, pa.string())])
        raise NameInputError(
            f"standardize_names: the table has no {name!r} column (it has "
            f"{table.column_names}); names cannot be standardized without it. Pass the "
            "request or taxpayer columns as read."
        )
    column = table.column(name)
    kind = column.type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind)):
        raise NameInputError(
            f"standardize_names: column {name!r} is {column.type}, not a string; name "
            "fields are text. Read the file with string columns."
        )
    return column


def _spread(values: Sequence[Any], kind: pa.DataType, inverse: np.ndarray) -> pa.Array:
    return pa.array(values, kind).take(pa.array(inverse))


def _surname_columns(parts: list[SurnamePart], inverse: np.ndarray) -> dict[str, pa.Array]:
    def col(attr: str, kind: pa.DataType) -> pa.Array:
        return _spread([getattr(p, attr) for p in parts], kind, inverse)

    return {
        "name_last": col("name_last", pa.string()),
        "words": col("words", _LIST),
        "name_surname_tokens": col("surname_tokens", _LIST),
        "name_surname_keys": col("surname_keys", _LIST),
        "name_phonetic": col("phonetic", _LIST),
        "name_metaphone": col("metaphone", _LIST),
        "name_control": col("control", pa.string()),
        "suffix": col("suffix", pa.string()),
        "present": col("present", pa.bool_()),
        "placeholder": col("placeholder", pa.bool_()),
        "is_doe": col("is_doe", pa.bool_()),
        "is_na": col("is_na", pa.bool_()),
    }


def _given_columns(parts: list[GivenPart], inverse: np.ndarray) -> dict[str, pa.Array]:
    def col(attr: str, kind: pa.DataType) -> pa.Array:
        return _spread([getattr(p, attr) for p in parts], kind, inverse)

    return {
        "name_first": col("name_first", pa.string()),
        "name_middle": col("name_middle", pa.string()),
        "name_given_tokens": col("given_tokens", _LIST),
        "name_given_keys": col("given_keys", _LIST),
        "name_first_keys": col("first_keys", _LIST),
        "name_first_initial": col("first_initial", pa.string()),
        "suffix": col("suffix", pa.string()),
        "first_present": col("first_present", pa.bool_()),
        "first_placeholder": col("first_placeholder", pa.bool_()),
        "doe_given": col("doe_given", pa.bool_()),
        "first_is_na": col("first_is_na", pa.bool_()),
    }


def _bools(array: pa.Array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)


def _defects(surname: dict[str, pa.Array], given: dict[str, pa.Array]) -> pa.Array:
    """One code per row, the first that applies: last missing, first missing, placeholder."""
    last_missing = ~_bools(surname["present"])
    first_missing = ~_bools(given["first_present"])
    placeholder = (
        _bools(surname["placeholder"])
        | _bools(given["first_placeholder"])
        | (_bools(surname["is_doe"]) & _bools(given["doe_given"]))
        # NA is a real given name and surname (Chinese 娜, Korean 나); NA NA is not a name.
        | (_bools(surname["is_na"]) & _bools(given["first_is_na"]))
    )
    codes = np.array([None, "NAME_PLACEHOLDER", "NAME_FIRST_MISSING", "NAME_LAST_MISSING"])
    choice = np.where(last_missing, 3, np.where(first_missing, 2, np.where(placeholder, 1, 0)))
    return pa.array(codes[choice], pa.string())


def standardize_names(table: pa.Table) -> pa.Table:
    """The ``name_*`` columns (schema :data:`NAME_SCHEMA`) for every row of ``table``.

    ``table`` has string columns ``last_name`` and ``first_name`` and optionally
    ``middle_name`` and ``name_suffix`` (missing ones count as empty); other columns are
    ignored. The result has the same rows in the same order and only the name columns, so
    the caller appends them to what it already holds.
    """
    n = table.num_rows
    if n == 0:
        return NAME_SCHEMA.empty_table()
    last_values, last_codes = encode_column(_input_column(table, "last_name"))
    first_values, first_codes = encode_column(_input_column(table, "first_name"))
    middle_values, middle_codes = encode_column(_input_column(table, "middle_name"))
    suffix_values, suffix_codes = encode_column(_input_column(table, "name_suffix"))

    first_empty_by_value = np.array([not (v and v.strip()) for v in first_values], dtype=bool)
    first_empty = first_empty_by_value[first_codes]

    # Surname part: per distinct (last name, whether the first name is empty), because an
    # empty first name lets "GARCIA, JOSE" in the last name supply it.
    last_has_comma = np.array([v is not None and "," in v for v in last_values], dtype=bool)
    comma_split = first_empty & last_has_comma[last_codes]
    surname_rows, surname_inverse = distinct_codes(
        (last_codes, len(last_values)), (comma_split.astype(np.int64), 2)
    )
    surname_parts = [
        surname_part(last_values[last_codes[r]], given_empty=bool(comma_split[r]))
        for r in surname_rows
    ]

    # Given part: per distinct (first, middle, and the last name only when it supplies the
    # first name), so the common case deduplicates on the two given fields alone.
    last_for_given = np.where(comma_split, last_codes, -1) + 1
    given_rows, given_inverse = distinct_codes(
        (first_codes, len(first_values)),
        (middle_codes, len(middle_values)),
        (last_for_given, len(last_values) + 1),
    )
    given_parts = [
        given_part(
            first_values[first_codes[r]],
            middle_values[middle_codes[r]],
            surname_parts[surname_inverse[r]].moved_given,
        )
        for r in given_rows
    ]

    surname = _surname_columns(surname_parts, surname_inverse)
    given = _given_columns(given_parts, given_inverse)
    suffix_field = pa.array([normalize_suffix(v) for v in suffix_values], pa.string()).take(
        pa.array(suffix_codes)
    )
    name_suffix = pc.coalesce(suffix_field, surname["suffix"], given["suffix"])
    # null_handling="skip" returns an empty array when every input is null (pyarrow 21-23),
    # so nulls become "" and the doubled separators are squeezed out afterwards.
    joined = pc.binary_join_element_wise(
        given["name_first"],
        given["name_middle"],
        surname["name_last"],
        " ",
        null_handling="replace",
        null_replacement="",
    )
    joined = pc.utf8_trim_whitespace(pc.replace_substring(joined, "  ", " "))
    name_full = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
    columns: dict[str, pa.Array] = {
        "name_last": surname["name_last"],
        "name_first": given["name_first"],
        "name_middle": given["name_middle"],
        "name_suffix": name_suffix,
        "name_full": name_full,
        "name_surname_tokens": surname["name_surname_tokens"],
        "name_given_tokens": given["name_given_tokens"],
        "name_tokens": concat_lists(given["name_given_tokens"], surname["words"]),
        "name_given_keys": given["name_given_keys"],
        "name_first_keys": given["name_first_keys"],
        "name_surname_keys": surname["name_surname_keys"],
        "name_phonetic": surname["name_phonetic"],
        "name_metaphone": surname["name_metaphone"],
        "name_first_initial": given["name_first_initial"],
        "name_control": surname["name_control"],
        "name_defect": _defects(surname, given),
    }
    return pa.Table.from_arrays([columns[c] for c in NAME_COLUMNS], schema=NAME_SCHEMA)


def standardize_name(
    last: str | None,
    first: str | None,
    middle: str | None = None,
    suffix: str | None = None,
) -> dict[str, Any]:
    """The ``name_*`` values of one record, computed by the same columnar path."""
    one = pa.table(
        {
            "last_name": pa.array([last], pa.string()),
            "first_name": pa.array([first], pa.string()),
            "middle_name": pa.array([middle], pa.string()),
            "name_suffix": pa.array([suffix], pa.string()),
        }
    )
    row: dict[str, Any] = standardize_names(one).to_pylist()[0]
    return row
