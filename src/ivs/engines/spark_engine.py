"""The distributed engine: Apache Spark (PySpark), the optional ``ivs[spark]`` extra.

Runs the same ``SqlStep`` lists as the DuckDB engine. Each step becomes a cached temporary
view, computed when its step runs (so a step's time is its own, as with DuckDB). Arrow
tables handed to ``register`` are written to Parquet in the engine's work folder and read
from there, which keeps large tables out of the query plan; on a cluster that folder must be
one every executor can read (``IVS_SPARK_WORK_DIR``, a shared mount). Results come back to
the driver as Arrow with the DuckDB engine's Arrow types. ``to_parquet`` writes one Parquet
file with the DuckDB engine's columns and types: in local mode through the driver (pyarrow,
zstd), on a cluster by one Spark task into the target's folder, so that no table the size of
the master passes through the driver.

The only import of ``pyspark`` in the project is in this module.

One Spark session serves the process (a JVM takes seconds to start); an engine's ``close``
drops the views and cached tables it made, not the session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Collection, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ivs.domain.engine import PARQUET_CODECS, Compression, SqlStep, done_after
from ivs.domain.errors import EngineError

__all__ = ["DEFAULT_MASTER", "SparkEngine"]

DEFAULT_MASTER = "local[2]"
_INSTALL = "install the Spark extra with `pip install 'ivs[spark]'`"

try:
    from pyspark import StorageLevel
    from pyspark.errors import PySparkException
    from pyspark.sql import DataFrame, SparkSession
except ImportError as e:  # pragma: no cover - depends on the installation
    raise EngineError(
        f"the Spark engine needs PySpark, which is not installed ({e}); {_INSTALL}, "
        "or run with --engine duckdb"
    ) from e


class _Shared:
    """The process's one Spark session, its master, and its scratch space (shuffle files,
    spills), which lives as long as the session."""

    session: SparkSession | None = None
    master: str | None = None
    scratch: tempfile.TemporaryDirectory[str] | None = None


def _java_available() -> bool:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return True
    return shutil.which("java") is not None


def _spark_session(master: str | None) -> SparkSession:
    """The process's session. ``master`` None: spark-submit's when it launched this process,
    else ``local[2]``."""
    if _Shared.session is not None:
        if master is not None and master != _Shared.master:
            raise EngineError(
                f"a Spark session with master {_Shared.master} is already running in this "
                f"process; it cannot also connect to {master}. Run one master per process."
            )
        return _Shared.session
    if not _java_available():
        raise EngineError(
            "the Spark engine needs Java (17 or later), and none was found on PATH or in "
            "JAVA_HOME; install a JDK (e.g. `apt-get install openjdk-17-jre-headless`) or run "
            f"with --engine duckdb. PySpark itself comes with {_INSTALL}."
        )
    builder = (
        SparkSession.builder.appName("ivs")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
        # The comparisons' string functions, written out in SQL (ivs.match.string_sql), make
        # plans whose text runs to megabytes once each cached step prints the steps below it;
        # adaptive execution writes that text at every plan update, and the driver ran out of
        # heap doing so. The text is for people reading a plan: a megabyte of it is plenty.
        .config("spark.sql.maxPlanStringLength", str(1 << 20))
    )
    # Under spark-submit the JVM is already running with the submitted master and settings.
    submitted = master is None and "PYSPARK_GATEWAY_PORT" in os.environ
    scratch = None
    if not submitted:
        master = master or DEFAULT_MASTER
        builder = builder.master(master).config(
            "spark.driver.memory", os.environ.get("IVS_SPARK_DRIVER_MEMORY", "6g")
        )
        if master.startswith("local"):
            # One machine: scratch space of our own, no web UI, few shuffle partitions
            # (adaptive execution merges small ones further).
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            scratch = tempfile.TemporaryDirectory(prefix="ivs-spark-scratch-")
            builder = (
                builder.config("spark.local.dir", scratch.name)
                .config("spark.ui.enabled", "false")
                .config(
                    "spark.sql.shuffle.partitions",
                    os.environ.get("IVS_SPARK_SHUFFLE_PARTITIONS", "8"),
                )
            )
    try:
        session = builder.getOrCreate()
    except Exception as e:  # the JVM failed to start: Java missing or broken
        raise EngineError(f"cannot start Spark ({master or 'spark-submit'}): {e}") from e
    session.sparkContext.setLogLevel("ERROR")
    _Shared.session, _Shared.scratch = session, scratch
    _Shared.master = str(session.sparkContext.master)
    return session


class SparkEngine:
    """A Spark session's catalog of views; a context manager (see the module docstring)."""

    dialect = "spark"

    def __init__(self, *, master: str | None = None, write_on_driver: bool | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(
            prefix="ivs-spark-", dir=os.environ.get("IVS_SPARK_WORK_DIR")
        )
        self.work = Path(self._tmp.name)
        self.spark = _spark_session(master)
        # Local mode: the driver is the machine; results are small enough to pass through it.
        local = str(self.spark.sparkContext.master).startswith("local")
        self.write_on_driver = local if write_on_driver is None else write_on_driver
        self._cached: dict[str, DataFrame] = {}
        self._views: set[str] = set()
        self.step_seconds: dict[str, float] = {}

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for frame in self._cached.values():
            frame.unpersist()
        for name in self._views:
            self.spark.catalog.dropTempView(name)
        self._cached.clear()
        self._views.clear()
        self._tmp.cleanup()

    def _view(self, name: str, frame: DataFrame, *, cache: bool) -> None:
        old = self._cached.pop(name, None)
        if cache:
            frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
            frame.count()  # computed now, as the step runs
            self._cached[name] = frame
        frame.createOrReplaceTempView(name)
        self._views.add(name)
        if old is not None:
            old.unpersist()

    def _sql(self, sql: str) -> DataFrame:
        return self.spark.sql(sql)

    def register(self, name: str, table: pa.Table, *, where: str | None = None) -> None:
        """Make an Arrow table queryable as ``name`` (through a Parquet file in the work folder);
        only its rows where ``where`` holds, if given."""
        path = self.work / "registered" / f"{name}-{time.monotonic_ns()}.parquet"
        path.parent.mkdir(exist_ok=True)
        pq.write_table(table, path)
        if where is None:
            self.load_parquet(name, path)
            return
        try:
            self._view(name, self.spark.read.parquet(str(path.resolve())).where(where), cache=False)
        except PySparkException as e:
            raise EngineError(f"cannot read {path}: {e}") from e

    def load_parquet(self, name: str, path: Path, *, columns: Sequence[str] | None = None) -> None:
        """Make a Parquet file queryable as ``name`` (read where used, never copied); given
        ``columns`` (SQL expressions named with ``AS``), those instead of its columns."""
        try:
            frame = self.spark.read.parquet(str(path.resolve()))
            self._view(name, frame.selectExpr(*columns) if columns else frame, cache=False)
        except PySparkException as e:
            raise EngineError(f"cannot read {path}: {e}") from e

    def run(self, steps: Sequence[SqlStep], *, keep: Collection[str] | None = None) -> None:
        """Create each step's table (a cached view) in order; given ``keep``, let go of each
        other step's table once no later step reads it."""
        released = done_after(steps, keep) if keep is not None else [[] for _ in steps]
        for step, done in zip(steps, released, strict=True):
            started = time.perf_counter()
            # Names the step's jobs in Spark's UI and event log.
            self.spark.sparkContext.setJobDescription(f"ivs step {step.name}")
            try:
                self._view(step.name, self._sql(step.sql), cache=True)
            except PySparkException as e:
                raise EngineError(f"engine step '{step.name}' failed: {_brief(e)}") from e
            finally:
                self.spark.sparkContext.setJobDescription(None)  # type: ignore[arg-type]
            for name in done:
                self._drop(name)
            self.step_seconds[step.name] = time.perf_counter() - started

    def _drop(self, name: str) -> None:
        # The later steps' cached tables are computed already; their plans no longer need
        # the view by name.
        frame = self._cached.pop(name, None)
        if frame is not None:
            frame.unpersist()
        self.spark.catalog.dropTempView(name)
        self._views.discard(name)

    def arrow(self, sql: str) -> pa.Table:
        """The result of a query as an Arrow table, with the DuckDB engine's Arrow types."""
        try:
            table = self._sql(sql).toArrow()
        except PySparkException as e:
            raise EngineError(f"query failed: {_brief(e)}\n{sql[:500]}") from e
        return _as_duckdb_types(table)

    def scalar(self, sql: str) -> object:
        try:
            rows = self._sql(sql).take(1)
        except PySparkException as e:
            raise EngineError(f"query failed: {_brief(e)}\n{sql[:500]}") from e
        return rows[0][0] if rows else None

    def to_parquet(self, sql: str, path: Path, *, compression: Compression = "zstd") -> None:
        """Write a query's result to one Parquet file, atomically, in row order
        (``compression``: see Engine)."""
        partial = path.with_name(path.name + ".partial")
        if self.write_on_driver:
            table = self.arrow(sql)
            try:
                # Arrow's "lz4" is Parquet's LZ4_RAW.
                pq.write_table(table, partial, compression=compression)
            except (OSError, pa.ArrowException) as e:
                raise EngineError(f"writing {path.name} failed: {e}") from e
        else:
            self._write_by_spark(sql, path, partial, compression)
        partial.replace(path)

    def _write_by_spark(
        self, sql: str, path: Path, partial: Path, compression: Compression
    ) -> None:
        # One task writes the sorted result as one file (coalesce keeps the order of a sort),
        # into a folder beside the target, from which the single part file is moved.
        folder = path.with_name(path.name + ".spark")
        shutil.rmtree(folder, ignore_errors=True)
        try:
            codec = PARQUET_CODECS[compression]
            self._sql(sql).coalesce(1).write.option("compression", codec).parquet(
                str(folder.resolve())
            )
        except PySparkException as e:
            raise EngineError(f"writing {path.name} failed: {_brief(e)}") from e
        (part,) = folder.glob("part-*.parquet")
        part.replace(partial)
        shutil.rmtree(folder)


def _brief(error: Exception) -> str:
    # Spark's messages end with the whole plan; the first lines say what went wrong.
    return "\n".join(str(error).splitlines()[:3])


def _plain(kind: pa.DataType) -> pa.DataType:
    """Spark's Arrow types as DuckDB's: plain strings and lists, fields nullable."""
    if pa.types.is_large_string(kind):
        return pa.string()
    if pa.types.is_large_binary(kind):
        return pa.binary()
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return pa.list_(pa.field("l", _plain(kind.value_type)))
    if pa.types.is_struct(kind):
        return pa.struct([pa.field(f.name, _plain(f.type)) for f in kind])
    return kind


def _as_duckdb_types(table: pa.Table) -> pa.Table:
    fields: list[Any] = [pa.field(f.name, _plain(f.type)) for f in table.schema]
    schema = pa.schema(fields)
    return table if schema == table.schema else table.cast(schema)
