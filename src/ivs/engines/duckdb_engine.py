"""The embedded engine: DuckDB over Arrow tables and Parquet files.

The rest of the project hands this module SQL steps (``SqlStep``) and Arrow tables; only here
is ``duckdb`` imported. Memory and threads are bounded so that a 10 M-taxpayer master fits the
machine, spilling to a temporary directory beyond the limit.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Collection, Sequence
from pathlib import Path
from types import TracebackType

import duckdb
import pyarrow as pa

from ivs.domain.engine import PARQUET_CODECS, Compression, SqlStep, done_after
from ivs.domain.errors import EngineError

__all__ = ["DuckDBEngine"]


def _quote_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class DuckDBEngine:
    """One DuckDB connection with bounded memory; a context manager."""

    dialect = "duckdb"

    def __init__(self, *, memory_limit: str | None = None, threads: int | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="ivs-duckdb-")
        self.connection = duckdb.connect(":memory:")
        limit = memory_limit or os.environ.get("IVS_ENGINE_MEMORY", "12GB")
        self.connection.execute(f"SET memory_limit = '{limit}'")
        self.connection.execute(f"SET temp_directory = {_quote_path(Path(self._tmp.name))}")
        self.connection.execute("SET preserve_insertion_order = true")
        if threads:
            self.connection.execute(f"SET threads = {int(threads)}")
        # Seconds each named step took, in order: the per-stage report of a run.
        self.step_seconds: dict[str, float] = {}

    def __enter__(self) -> DuckDBEngine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.connection.close()
        self._tmp.cleanup()

    def register(self, name: str, table: pa.Table, *, where: str | None = None) -> None:
        """Make an Arrow table queryable as ``name`` (materialized, so it can be indexed);
        only its rows where ``where`` holds, if given (filtered as they are copied)."""
        self.connection.register(f"_arrow_{name}", table)
        condition = f" WHERE {where}" if where else ""
        self.connection.execute(
            f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "_arrow_{name}"{condition}'
        )
        self.connection.unregister(f"_arrow_{name}")

    def load_parquet(self, name: str, path: Path, *, columns: Sequence[str] | None = None) -> None:
        """Make a Parquet file queryable as ``name`` (a view: read where used, never copied);
        given ``columns`` (SQL expressions named with ``AS``), those instead of its columns."""
        try:
            source = f"read_parquet({_quote_path(path)})"
            selected = ", ".join(columns) if columns else "*"
            self.connection.execute(
                f'CREATE OR REPLACE VIEW "{name}" AS SELECT {selected} FROM {source}'
            )
        except duckdb.Error as e:
            raise EngineError(f"cannot read {path}: {e}") from e

    def run(self, steps: Sequence[SqlStep], *, keep: Collection[str] | None = None) -> None:
        """Create each step's table in order; given ``keep``, drop each other step's table once
        no later step reads it."""
        released = done_after(steps, keep) if keep is not None else [[] for _ in steps]
        for step, done in zip(steps, released, strict=True):
            started = time.perf_counter()
            try:
                self.connection.execute(f'CREATE OR REPLACE TABLE "{step.name}" AS {step.sql}')
                for name in done:
                    self.connection.execute(f'DROP TABLE "{name}"')
            except duckdb.Error as e:
                raise EngineError(f"engine step '{step.name}' failed: {e}") from e
            self.step_seconds[step.name] = time.perf_counter() - started

    def arrow(self, sql: str) -> pa.Table:
        """The result of a query as an Arrow table."""
        try:
            return self.connection.sql(sql).to_arrow_table()
        except duckdb.Error as e:
            raise EngineError(f"query failed: {e}\n{sql[:500]}") from e

    def scalar(self, sql: str) -> object:
        try:
            rows = self.connection.execute(sql).fetchall()
        except duckdb.Error as e:
            raise EngineError(f"query failed: {e}\n{sql[:500]}") from e
        return rows[0][0] if rows else None

    def to_parquet(self, sql: str, path: Path, *, compression: Compression = "zstd") -> None:
        """Write a query's result to Parquet, atomically (``compression``: see Engine)."""
        partial = path.with_name(path.name + ".partial")
        codec = PARQUET_CODECS[compression]
        try:
            self.connection.execute(
                f"COPY ({sql}) TO {_quote_path(partial)} (FORMAT parquet, COMPRESSION {codec})"
            )
        except duckdb.Error as e:
            raise EngineError(f"writing {path.name} failed: {e}") from e
        partial.replace(path)
