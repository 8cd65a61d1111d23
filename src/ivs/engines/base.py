"""Choosing an engine: what indexing, matching and simulation open to run their steps.

The interface, ``Engine``, and the steps it runs, ``SqlStep``, are in ``ivs.domain.engine``.
Two implementations: ``DuckDBEngine`` (embedded, the default) and ``SparkEngine`` (PySpark, the
optional ``ivs[spark]`` extra). Callers hand either one the same ``SqlStep`` lists, written
once in the engine-neutral SQL of ``ivs.match``; the few functions whose names differ are
looked up by ``dialect`` (``ivs.match.comparisons.FUNCTIONS``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ivs.domain.engine import Engine
from ivs.domain.errors import ConfigError

__all__ = ["DUCKDB", "ENGINES", "Engine", "EngineChoice", "open_engine"]

ENGINES = ("duckdb", "spark")


def open_engine(
    name: str = "duckdb", spark_master: str | None = None, *, threads: int | None = None
) -> Engine:
    """A new engine by name: ``duckdb`` or ``spark`` (``spark_master`` default ``local[2]``, or
    spark-submit's). ``threads`` bounds DuckDB's threads; Spark's are the cluster's."""
    if name == "duckdb":
        if spark_master is not None:
            raise ConfigError("--spark-master applies only to --engine spark")
        # Imported here too: wanting the interface, or a Spark run, loads no DuckDB.
        from ivs.engines.duckdb_engine import DuckDBEngine  # noqa: PLC0415

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
