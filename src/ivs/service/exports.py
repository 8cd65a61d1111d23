"""Tables the service offers for spreadsheets (``ivs.formats.spreadsheet``): a response file's
rows and a taxpayer's accounting, formula-like cells neutralised by a leading apostrophe."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pacsv

from ivs.domain.schema import RESPONSE_COLUMNS
from ivs.formats.spreadsheet import FORMULA_START, spreadsheet_csv, spreadsheet_safe

__all__ = ["FORMULA_START", "response_from_bytes", "spreadsheet_csv", "spreadsheet_safe"]


def response_from_bytes(data: bytes) -> pa.Table:
    """A response file's rows, every column as text (formats.md §3)."""
    return pacsv.read_csv(
        io.BytesIO(data),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in RESPONSE_COLUMNS},
            strings_can_be_null=False,
        ),
    ).select(list(RESPONSE_COLUMNS))
