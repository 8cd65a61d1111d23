"""The engine interface: what indexing, matching and simulation ask of an SQL engine.

Two implementations: ``DuckDBEngine`` (embedded, the default) and ``SparkEngine`` (PySpark, the
optional ``ivs[spark]`` extra). Callers hand either one the same ``SqlStep`` lists, written
once in the engine-neutral SQL of ``ivs.match``; the few functions whose names differ are
looked up by ``dialect`` (``ivs.match.comparisons.FUNCTIONS``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

import pyarrow as pa

from ivs.domain.errors import ConfigError
from ivs.engines.duckdb_engine import DuckDBEngine, SqlStep

__all__ = ["DUCKDB", "ENGINES", "Engine", "EngineChoice", "open_engine"]

ENGINES = ("duckdb", "spark")


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

    def load_parquet(self, name: str, path: Path) -> None:
        """Make a Parquet file queryable as ``name``."""

    def run(self, steps: Sequence[SqlStep]) -> None:
        """Create each step's table in order."""

    def arrow(self, sql: str) -> pa.Table:
        """The result of a query as an Arrow table."""

    def scalar(self, sql: str) -> object:
        """The first column of the first row of a query's result (None when empty)."""

    def to_parquet(self, sql: str, path: Path) -> None:
        """Write a query's result to one Parquet file (zstd), atomically."""


def open_engine(
    name: str = "duckdb", spark_master: str | None = None, *, threads: int | None = None
) -> Engine:
    """A new engine by name: ``duckdb`` or ``spark`` (``spark_master`` default ``local[2]``, or
    spark-submit's). ``threads`` bounds DuckDB's threads; Spark's are the cluster's."""
    if name == "duckdb":
        if spark_master is not None:
            raise ConfigError("--spark-master applies only to --engine spark")
        return DuckDBEngine(threads=threads)
    if name == "spark":
        # Imported here: PySpark is an optional extra.
        from ivs.engines.spark_engine import SparkEngine  # noqa: PLC0415

        return SparkEngine(master=spark_master)
    raise ConfigError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")


@dataclass(frozen=True, slots=True)
class EngineChoice:
    """Which engine a run uses; each stage opens its own from this."""

    name: str = "duckdb"
    spark_master: str | None = None

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise ConfigError(f"unknown engine {self.name!r}; choose one of {', '.join(ENGINES)}")
        if self.spark_master is not None and self.name != "spark":
            raise ConfigError("--spark-master applies only to --engine spark")

    def open(self, *, threads: int | None = None) -> Engine:
        return open_engine(self.name, self.spark_master, threads=threads)


# The default: the embedded engine.
DUCKDB = EngineChoice()
