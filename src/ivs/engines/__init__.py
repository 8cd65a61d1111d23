"""The only place that imports DuckDB (and, with the spark extra, PySpark).

Each backend is imported when it is first used (``EngineChoice.open``, or the name
``DuckDBEngine`` read from this package), not when the package is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivs.domain.engine import Engine, SqlStep
from ivs.domain.errors import EngineError
from ivs.engines.base import DUCKDB, ENGINES, EngineChoice, open_engine
from ivs.engines.memory import use_retaining_allocator

if TYPE_CHECKING:
    from ivs.engines.duckdb_engine import DuckDBEngine

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


def __getattr__(name: str) -> object:
    if name == "DuckDBEngine":
        from ivs.engines.duckdb_engine import DuckDBEngine  # noqa: PLC0415

        return DuckDBEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
