"""The only place that imports DuckDB (and, with the spark extra, PySpark)."""

from ivs.engines.base import DUCKDB, ENGINES, Engine, EngineChoice, open_engine
from ivs.engines.duckdb_engine import DuckDBEngine, EngineError, SqlStep
from ivs.engines.memory import use_retaining_allocator

__all__ = [
    "DUCKDB",
    "ENGINES",
    "DuckDBEngine",
    "Engine",
    "EngineChoice",
    "EngineError",
    "SqlStep",
    "open_engine",
    "use_retaining_allocator",
]
