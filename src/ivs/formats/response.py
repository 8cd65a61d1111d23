"""The response file (formats.md §3): exactly these columns, in the records' order."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from ivs.domain.schema import RESPONSE_COLUMNS
from ivs.formats.tabular import csv_bytes, read_string_table

__all__ = [
    "read_response",
    "response_bytes",
    "response_from_bytes",
    "write_atomically",
    "write_response",
]


def response_bytes(table: pa.Table) -> bytes:
    """The response CSV's bytes: header, then one row per record; empty where null."""
    return csv_bytes(table, RESPONSE_COLUMNS)


def write_atomically(path: Path, data: bytes) -> None:
    """Write atomically (temp file, fsync, rename): a reader sees the old file or the new."""
    tmp = path.with_name(path.name + ".partial")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)


def write_response(path: Path, table: pa.Table) -> str:
    """Write the response atomically; returns its SHA-256."""
    data = response_bytes(table)
    write_atomically(path, data)
    return hashlib.sha256(data).hexdigest()


def read_response(path: Path) -> pa.Table:
    """Read a response file back (for requesters' tooling and tests)."""
    return read_string_table(path, RESPONSE_COLUMNS, frozenset(RESPONSE_COLUMNS))


def response_from_bytes(data: bytes) -> pa.Table:
    """A response file's rows from its bytes, every column as text (empty, not null)."""
    return pacsv.read_csv(
        io.BytesIO(data),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in RESPONSE_COLUMNS},
            strings_can_be_null=False,
        ),
    ).select(list(RESPONSE_COLUMNS))
