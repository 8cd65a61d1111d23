"""Tables offered for spreadsheets: a cell that a spreadsheet would read as a formula (leading
``=``, ``+``, ``-``, ``@``, tab or carriage return) is neutralised by a leading apostrophe, so
opening an export never runs what a taxpayer or a requester wrote into a field."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ivs.domain.schema import RESPONSE_COLUMNS
from ivs.formats.tabular import csv_bytes

__all__ = ["FORMULA_START", "response_from_bytes", "spreadsheet_csv", "spreadsheet_safe"]

FORMULA_START = r"^[=+\-@\t\r]"


def spreadsheet_safe(table: pa.Table) -> pa.Table:
    """``table`` with every string cell that starts like a formula prefixed by ``'``."""
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.fill_null(pc.match_substring_regex(column, FORMULA_START), False)
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def response_from_bytes(data: bytes) -> pa.Table:
    """A response file's rows, every column as text (formats.md §3)."""
    return pacsv.read_csv(
        io.BytesIO(data),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in RESPONSE_COLUMNS},
            strings_can_be_null=False,
        ),
    ).select(list(RESPONSE_COLUMNS))


def spreadsheet_csv(table: pa.Table) -> bytes:
    """CSV (RFC 4180) of ``table`` made safe for spreadsheets."""
    return csv_bytes(spreadsheet_safe(table), tuple(table.column_names))
