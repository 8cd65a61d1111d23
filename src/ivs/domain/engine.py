"""What the engine-neutral stages hand an SQL engine, and what they may ask of it.

``match/`` writes its work as ``SqlStep`` lists and runs them on anything that satisfies
``Engine``; the engines themselves (DuckDB, PySpark) live in ``ivs.engines`` and are imported
only there, so matching logic never loads a database.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol, Self

import pyarrow as pa

__all__ = ["PARQUET_CODECS", "Compression", "Engine", "SqlStep", "done_after", "sql_names"]

# How a Parquet file an engine writes is compressed: zstd is the smaller, LZ4 (LZ4_RAW) the
# quicker to read.
Compression = Literal["zstd", "lz4"]
# The codec's name as DuckDB's COPY and Spark's writer take it.
PARQUET_CODECS: dict[Compression, str] = {"zstd": "zstd", "lz4": "lz4_raw"}


@dataclass(frozen=True, slots=True)
class SqlStep:
    """One named SQL statement producing table ``name`` (``CREATE OR REPLACE TABLE``)."""

    name: str
    sql: str


def sql_names(sql: str, name: str) -> bool:
    """Whether ``sql`` names ``name`` (a table or a column) as a word: what the steps read."""
    return re.search(rf"\b{re.escape(name)}\b", sql) is not None


def done_after(steps: Sequence[SqlStep], keep: Collection[str]) -> list[list[str]]:
    """Per step, the tables of earlier steps (and its own) that no later step reads and that
    are not in ``keep``: what the engine can let go of once that step's table is made.

    A table is read where a later step names it as a word; a column of the same name only
    keeps the table longer. At 10 M taxpayers the run's peak fell from 9.4 to 5.6 GiB once the
    match steps let go of their tables, and the last steps ran as fast as alone again.
    """
    released: list[list[str]] = []
    dropped: set[str] = set()
    for i in range(len(steps)):
        later = " ".join(s.sql for s in steps[i + 1 :])
        done = [
            s.name
            for s in steps[: i + 1]
            if s.name not in keep and s.name not in dropped and not sql_names(later, s.name)
        ]
        dropped.update(done)
        released.append(done)
    return released


class Engine(Protocol):
    """Runs named SQL steps over registered Arrow tables and Parquet files."""

    dialect: str
    # Seconds each named step took, in order.
    step_seconds: dict[str, float]

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def close(self) -> None: ...

    def register(self, name: str, table: pa.Table, *, where: str | None = None) -> None:
        """Make an Arrow table queryable as ``name``: only its rows where the SQL condition
        ``where`` holds, if given."""

    def load_parquet(self, name: str, path: Path, *, columns: Sequence[str] | None = None) -> None:
        """Make a Parquet file queryable as ``name``: its columns, or given ``columns`` (SQL
        expressions over them, each named with ``AS``), those."""

    def run(self, steps: Sequence[SqlStep], *, keep: Collection[str] | None = None) -> None:
        """Create each step's table in order. Given ``keep`` (the tables read after the run),
        each other step's table is dropped once no later step reads it (:func:`done_after`)."""

    def arrow(self, sql: str) -> pa.Table:
        """The result of a query as an Arrow table."""

    def scalar(self, sql: str) -> object:
        """The first column of the first row of a query's result (None when empty)."""

    def to_parquet(self, sql: str, path: Path, *, compression: Compression = "zstd") -> None:
        """Write a query's result to one Parquet file, atomically: ``zstd`` for files kept and
        read seldom, ``lz4`` (LZ4_RAW) for files read again and again (the index's)."""
