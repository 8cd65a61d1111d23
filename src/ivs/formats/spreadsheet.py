"""CSV written for people, who open it in a spreadsheet: a cell that a spreadsheet would read
as a formula (leading ``=``, ``+``, ``-``, ``@``, tab or carriage return) is neutralised by a
leading apostrophe, so opening the file never runs what a taxpayer or a requester wrote into a
field. The contract's own files (formats.md) are written as the contract says, not this way."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ivs.formats.tabular import csv_bytes

__all__ = ["FORMULA_START", "spreadsheet_csv", "spreadsheet_safe"]

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


def spreadsheet_csv(table: pa.Table) -> bytes:
    """CSV (RFC 4180) of ``table`` made safe for spreadsheets."""
    return csv_bytes(spreadsheet_safe(table), tuple(table.column_names))
