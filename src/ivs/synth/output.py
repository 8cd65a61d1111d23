"""Writing the master in chunks, with the contract's types, deterministically.

``ivs.formats.write_master_table`` needs a whole table in memory; a ten-million-taxpayer master
is written here chunk by chunk instead, with the same schema (from ``ivs.domain.schema``) and
the same compression, so that the files read back exactly as the contract's writer's would.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.parquet as pq

from ivs.domain.schema import ADDRESS_COLUMNS, RESTRICTION_COLUMNS, TAXPAYER_COLUMNS

__all__ = ["MasterTableWriter", "master_schema", "write_parquet"]

_TYPES = {"string": pa.string(), "date": pa.date32(), "int": pa.int64()}
_KINDS = {
    "taxpayers": TAXPAYER_COLUMNS,
    "addresses": ADDRESS_COLUMNS,
    "restrictions": RESTRICTION_COLUMNS,
}


def master_schema(kind: str) -> pa.Schema:
    return pa.schema([(c, _TYPES[t]) for c, t in _KINDS[kind].items()])


class MasterTableWriter:
    """Appends chunks of one master table to a Parquet file (zstd, like the contract writer)."""

    def __init__(self, path: Path, kind: str) -> None:
        self.schema = master_schema(kind)
        self.rows = 0
        self._writer = pq.ParquetWriter(path, self.schema, compression="zstd")

    def write(self, columns: dict[str, pa.Array]) -> None:
        table = pa.table(columns).select(self.schema.names).cast(self.schema)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def __enter__(self) -> MasterTableWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._writer.close()


def write_parquet(path: Path, table: pa.Table) -> None:
    """A small table as one Parquet file (zstd)."""
    pq.write_table(table, path, compression="zstd")
