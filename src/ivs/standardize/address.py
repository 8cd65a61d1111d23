"""Addresses to USPS Publication 28 standard form, with a sufficiency defect per row.

Columns, not rows: :func:`standardize_addresses` works on whole Arrow columns. Distinct input
tuples are standardized once and joined back (a master file repeats one address across tax
years). Cleaning, rendering checks and defect classification are pyarrow.compute kernels; the
common street shapes are parsed by one RE2 regex (:mod:`address_fast`) and only the rest go
through the per-record parser (:mod:`address_parse`). :func:`standardize_address` runs one
record through the very same code.
"""

from __future__ import annotations

import functools
import json
from concurrent.futures import Executor
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ivs.domain.schema import ADDRESS_FIELDS
from ivs.standardize.address_clean import (
    clean_text,
    merge_unit,
    read_bars_in_house_number,
    repair_house_number,
)
from ivs.standardize.address_defects import DefectInputs, classify_defects, load_defect_tables
from ivs.standardize.address_fast import FAST_COLUMNS, fast_parse
from ivs.standardize.address_parse import parse_delivery_line
from ivs.standardize.address_tables import STATE_NAMES
from ivs.standardize.facility import facility_rows

__all__ = [
    "ADDRESS_INPUT_COLUMNS",
    "ADDRESS_OUTPUT_SCHEMA",
    "load_address_tables",
    "parse_lines",
    "standardize_address",
    "standardize_addresses",
    "standardized_facility_keys",
]

ADDRESS_INPUT_COLUMNS = ADDRESS_FIELDS

_STRING_OUTPUTS = (
    "addr_house_number",
    "addr_predir",
    "addr_street_name",
    "addr_suffix",
    "addr_postdir",
    "addr_unit_type",
    "addr_unit_id",
    "addr_po_box",
    "addr_route",
    "addr_urbanization",
    "addr_kind",
    "addr_line",
    "addr_unit",
    "addr_city",
    "addr_state",
    "addr_zip5",
    "addr_zip4",
    "addr_defect",
)
ADDRESS_OUTPUT_SCHEMA = pa.schema(
    [pa.field(name, pa.string()) for name in _STRING_OUTPUTS]
    + [pa.field("addr_slow_path", pa.bool_())]
)

# Parsed components, in the order both paths produce them.
_PART_COLUMNS = (*FAST_COLUMNS, "urbanization", "line", "unit")
_KEY_SEPARATOR = "\x1f"
# Below this many distinct slow-path lines, sharing them with other processes costs more.
_SHARED_MIN_LINES = 2_000
_SHARED_CHUNKS = 8


def _column(table: pa.Table, name: str) -> pa.Array:
    if name not in table.column_names:
        return pa.nulls(table.num_rows, pa.string())
    column = table.column(name).combine_chunks()
    return column if column.type == pa.string() else pc.cast(column, pa.string())


def _null_if_empty(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _join_words(*columns: pa.Array | str) -> pa.Array:
    """Words joined by one space, nulls skipped; null when nothing is left.

    (``binary_join_element_wise`` with ``null_handling="skip"`` returns a wrong length in the
    pyarrow in use, so nulls are joined as "" and the spare blanks removed.)
    """
    joined = pc.binary_join_element_wise(
        *columns, " ", null_handling="replace", null_replacement=""
    )
    joined = pc.utf8_trim_whitespace(pc.replace_substring_regex(joined, " {2,}", " "))
    return _null_if_empty(joined)


def _render_fast(parts: dict[str, pa.Array]) -> tuple[pa.Array, pa.Array]:
    street_line = _join_words(
        parts["house_number"],
        parts["predir"],
        parts["street_name"],
        parts["suffix"],
        parts["postdir"],
    )
    box_line = _join_words(
        pc.if_else(pc.equal(parts["kind"], "po_box"), "PO", parts["route"]),
        pc.if_else(pc.is_valid(parts["po_box"]), "BOX", pa.scalar(None, pa.string())),
        parts["po_box"],
    )
    line = pc.if_else(pc.equal(parts["kind"], "street"), street_line, box_line)
    unit = _join_words(parts["unit_type"], parts["unit_id"])
    return line, unit


def parse_lines(lines: list[tuple[str, str, str]]) -> list[tuple[str | None, ...]]:
    """The slow path over (cleaned line, city, state) triples: components in part order."""
    out: list[tuple[str | None, ...]] = []
    for text, city, state in lines:
        parts = parse_delivery_line(text, city, state)
        out.append(tuple(getattr(parts, name) for name in _PART_COLUMNS))
    return out


def _parse_shared(
    lines: list[tuple[str, str, str]], executor: Executor | None
) -> list[tuple[str | None, ...]]:
    """``parse_lines`` in chunks: the executor's workers take some, this process the rest.

    A chunk no worker has started yet is taken back (cancelled) and parsed here, so the
    work is shared whether the workers are free or still busy with something else.
    """
    if executor is None or len(lines) < _SHARED_MIN_LINES:
        return parse_lines(lines)
    size = -(-len(lines) // _SHARED_CHUNKS)
    chunks = [lines[i : i + size] for i in range(0, len(lines), size)]
    pending = [executor.submit(parse_lines, chunk) for chunk in chunks]
    done: dict[int, list[tuple[str | None, ...]]] = {}
    for i in reversed(range(len(chunks))):
        if pending[i].cancel():
            done[i] = parse_lines(chunks[i])
    return [row for i in range(len(chunks)) for row in done.get(i) or pending[i].result()]


def _slow_parse(
    full: pa.Array, city: pa.Array, state: pa.Array, executor: Executor | None
) -> dict[str, pa.Array]:
    """The per-record parser over each distinct line once, spread back over the rows.

    The parser reads city and state only to tell a military "UNIT 2050 BOX 4" from an
    apartment unit, so a line is its own key unless it starts with UNIT.
    """
    with_place = pc.fill_null(pc.starts_with(full, "UNIT "), False)
    key = pc.if_else(
        with_place, pc.binary_join_element_wise(full, city, state, _KEY_SEPARATOR), full
    )
    encoded = pc.dictionary_encode(key)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    _, first_rows = np.unique(indices, return_index=True)
    taken = pa.array(first_rows)
    lines = list(
        zip(
            full.take(taken).to_pylist(),
            city.take(taken).to_pylist(),
            state.take(taken).to_pylist(),
            strict=True,
        )
    )
    rows = _parse_shared(lines, executor)
    return {
        name: pa.array([row[i] for row in rows], pa.string()).take(encoded.indices)
        for i, name in enumerate(_PART_COLUMNS)
    }


def _parse(
    full: pa.Array,
    city: pa.Array,
    state: pa.Array,
    *,
    force_slow_path: bool,
    executor: Executor | None = None,
) -> tuple[dict[str, pa.Array], pa.Array]:
    """Components for every row, and the mask of rows the slow path parsed."""
    n = len(full)
    if force_slow_path:
        handled = pa.array([False] * n, pa.bool_())
        parts = {name: pa.nulls(n, pa.string()) for name in _PART_COLUMNS}
    else:
        handled, fast = fast_parse(full)
        line, unit = _render_fast(fast)
        parts = {**fast, "urbanization": pa.nulls(n, pa.string()), "line": line, "unit": unit}
    slow = pc.invert(handled)
    slow_count = pc.sum(slow).as_py() or 0
    if slow_count:
        slow_parts = _slow_parse(
            pc.filter(full, slow), pc.filter(city, slow), pc.filter(state, slow), executor
        )
        parts = {
            name: pc.replace_with_mask(parts[name].cast(pa.string()), slow, slow_parts[name])
            for name in _PART_COLUMNS
        }
    return parts, slow


def standardized_facility_keys() -> tuple[list[str], list[str]]:
    """The (line|zip5) and (line|city|state) keys of every listed facility located by its
    street address or box, standardized from ``data/facilities.csv``; each list sorted."""
    rows = facility_rows()
    table = pa.table(
        {
            "street_address": [r[2] for r in rows],
            "unit": [None] * len(rows),
            "city": [r[3] for r in rows],
            "state": [r[4] for r in rows],
            "zip": [r[5].zfill(5) if r[5].isdigit() else r[5] for r in rows],
        }
    )
    columns = _standardize_distinct(table, force_slow_path=False, with_defects=False)
    located = pc.and_(
        pc.is_valid(columns["addr_line"]),
        pc.or_(pc.is_valid(columns["addr_house_number"]), pc.is_valid(columns["addr_po_box"])),
    )
    by_zip = pc.binary_join_element_wise(columns["addr_line"], columns["addr_zip5"], "|")
    by_city = pc.binary_join_element_wise(
        columns["addr_line"], columns["addr_city"], columns["addr_state"], "|"
    )
    return (
        sorted(pc.drop_null(pc.unique(pc.filter(by_zip, located))).to_pylist()),
        sorted(pc.drop_null(pc.unique(pc.filter(by_city, located))).to_pylist()),
    )


@functools.cache
def _facility_keys() -> tuple[pa.Array, pa.Array]:
    """:func:`standardized_facility_keys`, as ``data/facility_keys.json`` holds them.

    Standardizing the list parses some 2,000 of its lines on the slow path, 0.4 s of every
    process; ``scripts/standardize_tables.py`` writes the file, and a test requires it to
    equal what the standardization of today makes of the list.
    """
    path = resources.files("ivs.standardize").joinpath("data", "facility_keys.json")
    keys = json.loads(path.read_text("utf-8"))
    return pa.array(keys["by_zip"], pa.string()), pa.array(keys["by_city"], pa.string())


def load_address_tables() -> None:
    """Build every table address standardization looks values up in (each once per process)."""
    load_defect_tables()
    _facility_keys()


def _standardize_distinct(
    table: pa.Table,
    *,
    force_slow_path: bool,
    with_defects: bool = True,
    executor: Executor | None = None,
) -> dict[str, pa.Array]:
    raw_street = read_bars_in_house_number(_column(table, "street_address"))
    raw_unit = pc.fill_null(_column(table, "unit"), "")
    street = repair_house_number(clean_text(raw_street))
    unit = clean_text(raw_unit)
    city = clean_text(_column(table, "city"))
    state_text = clean_text(_column(table, "state"))
    zip_text = pc.replace_substring_regex(clean_text(_column(table, "zip")), " ", "")
    # Letters a scan or a keyboard puts for digits (O for 0, I and L for 1): a ZIP holds
    # digits only, so these read as the digits they stand for; other letters stay malformed.
    zip_text = pc.replace_substring_regex(
        pc.replace_substring_regex(pc.utf8_upper(zip_text), "O", "0"), "[IL]", "1"
    )

    names = STATE_NAMES
    state_code = pc.take(
        pa.array(list(names.values()), pa.string()),
        pc.index_in(state_text, value_set=pa.array(list(names), pa.string())),
    )
    state = pc.coalesce(state_code, state_text)
    zip_parts = pc.extract_regex(zip_text, r"^(?P<zip5>[0-9]{5})(?:-?(?P<zip4>[0-9]{4}))?$")
    zip5 = pc.struct_field(zip_parts, "zip5")
    zip4 = _null_if_empty(pc.struct_field(zip_parts, "zip4"))

    full = merge_unit(street, unit)
    parts, slow = _parse(full, city, state, force_slow_path=force_slow_path, executor=executor)

    out: dict[str, pa.Array] = {
        "addr_house_number": parts["house_number"],
        "addr_predir": parts["predir"],
        "addr_street_name": parts["street_name"],
        "addr_suffix": parts["suffix"],
        "addr_postdir": parts["postdir"],
        "addr_unit_type": parts["unit_type"],
        "addr_unit_id": parts["unit_id"],
        "addr_po_box": parts["po_box"],
        "addr_route": parts["route"],
        "addr_urbanization": parts["urbanization"],
        "addr_kind": pc.fill_null(parts["kind"], "unknown"),
        "addr_line": parts["line"],
        "addr_unit": parts["unit"],
        "addr_city": _null_if_empty(city),
        "addr_state": _null_if_empty(state),
        "addr_zip5": zip5,
        "addr_zip4": zip4,
    }
    if with_defects:
        by_zip, by_city = _facility_keys()
        listed = pc.or_(
            pc.is_in(
                pc.binary_join_element_wise(out["addr_line"], zip5, "|"),
                value_set=by_zip,
                skip_nulls=True,
            ),
            pc.is_in(
                pc.binary_join_element_wise(out["addr_line"], city, state, "|"),
                value_set=by_city,
                skip_nulls=True,
            ),
        )
        out["addr_defect"] = classify_defects(
            DefectInputs(
                raw_line=pc.binary_join_element_wise(raw_street, raw_unit, " "),
                full=full,
                city=city,
                state=state,
                zip_given=zip_text,
                zip5=zip5,
                kind=out["addr_kind"],
                house_number=out["addr_house_number"],
                street_name=out["addr_street_name"],
                unit_type=out["addr_unit_type"],
                po_box=out["addr_po_box"],
                facility_listed=listed,
            )
        )
    else:
        out["addr_defect"] = pa.nulls(len(full), pa.string())
    out["addr_slow_path"] = slow
    return out


def standardize_addresses(
    table: pa.Table, *, force_slow_path: bool = False, executor: Executor | None = None
) -> pa.Table:
    """Standardize the address columns of ``table``; one output row per input row, in order.

    ``table`` has string columns ``street_address``, ``unit``, ``city``, ``state``, ``zip``
    (nullable; a missing column counts as all null). ``force_slow_path`` sends every row
    through the per-record parser (for measuring the two paths' agreement). With an
    ``executor`` (a process pool), the per-record parser's lines are shared with its workers.
    """
    n = table.num_rows
    if n == 0:
        return ADDRESS_OUTPUT_SCHEMA.empty_table()
    # Dedupe: one key per input tuple; the unit separator cannot survive in a value (cleaning
    # blanks control characters anyway, so replacing it changes no result).
    fields = [
        pc.replace_substring(pc.fill_null(_column(table, name), ""), _KEY_SEPARATOR, " ")
        for name in ADDRESS_INPUT_COLUMNS
    ]
    key = pc.binary_join_element_wise(*fields, _KEY_SEPARATOR)
    encoded = pc.dictionary_encode(key)
    del key
    # Each distinct tuple is taken from the first row that has it (cheaper than splitting
    # the keys apart again).
    _, first_rows = np.unique(encoded.indices.to_numpy(zero_copy_only=False), return_index=True)
    distinct = pa.table(dict(zip(ADDRESS_INPUT_COLUMNS, fields, strict=True))).take(
        pa.array(first_rows)
    )
    del fields
    columns = _standardize_distinct(distinct, force_slow_path=force_slow_path, executor=executor)
    result = pa.table(columns, schema=ADDRESS_OUTPUT_SCHEMA)
    return result.take(encoded.indices)


def standardize_address(
    street: str | None,
    unit: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip: str | None = None,  # the data contract's column name
    *,
    force_slow_path: bool = False,
) -> dict[str, Any]:
    """Standardize one record through the same code as :func:`standardize_addresses`."""
    table = pa.table(
        {
            name: pa.array([value], pa.string())
            for name, value in _zip_columns(street, unit, city, state, zip)
        }
    )
    row: dict[str, Any] = standardize_addresses(table, force_slow_path=force_slow_path).to_pylist()[
        0
    ]
    return row


def _zip_columns(
    street: str | None, unit: str | None, city: str | None, state: str | None, zip5: str | None
) -> list[tuple[str, str | None]]:
    """Pair input values with their column names."""
    return list(zip(ADDRESS_INPUT_COLUMNS, (street, unit, city, state, zip5), strict=True))
