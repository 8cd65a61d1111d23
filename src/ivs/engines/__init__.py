"""The only place that imports DuckDB (and, with the spark extra, PySpark)."""

from ivs.engines.duckdb_engine import DuckDBEngine, EngineError, SqlStep

__all__ = ["DuckDBEngine", "EngineError", "SqlStep"]
