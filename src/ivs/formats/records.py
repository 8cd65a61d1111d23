"""Request records (formats.md §1.2) as CSV, JSON Lines or Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ivs.domain.schema import RECORD_COLUMNS, RECORD_REQUIRED
from ivs.formats.tabular import container_of, csv_bytes, read_string_table

__all__ = ["read_records", "write_records"]


def read_records(path: Path) -> pa.Table:
    """Every contract column as a string (null when empty or absent), plus ``_row`` (1-based).

    Structural problems (encoding, ragged rows, missing required columns) raise
    ``FormatErrors`` naming file, line and field; content is judged later, by intake.
    """
    return read_string_table(path, RECORD_COLUMNS, RECORD_REQUIRED)


def write_records(path: Path, table: pa.Table) -> None:
    """Write request records in the container named by ``path``'s extension."""
    kind = container_of(path)
    columns = tuple(c for c in RECORD_COLUMNS if c in table.column_names)
    if kind == ".csv":
        path.write_bytes(csv_bytes(table, columns))
    elif kind == ".parquet":
        pq.write_table(table.select(list(columns)), path)
    else:
        with path.open("w", encoding="utf-8", newline="\n") as f:
            for row in table.select(list(columns)).to_pylist():
                f.write(
                    json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False)
                    + "\n"
                )
