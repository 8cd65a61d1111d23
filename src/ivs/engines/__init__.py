"""The only place that imports DuckDB (and, with the spark extra, PySpark)."""

from ivs.engines.duckdb_engine import DuckDBEngine, EngineError, SqlStep
from ivs.engines.memory import use_retaining_allocator

__all__ = ["DuckDBEngine", "EngineError", "SqlStep", "use_retaining_allocator"]
