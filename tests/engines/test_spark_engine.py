"""The Spark engine's own duties: Parquet files and Arrow results shaped as DuckDB's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ivs.domain.engine import Compression
from ivs.engines import DuckDBEngine, EngineError, SqlStep, spark_engine
from ivs.engines.spark_engine import SparkEngine

# One xdist worker runs every Spark test: one JVM, and the other worker stays free.
pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

PEOPLE = pa.table(
    {
        "tin": ["3", "1", "2", "1"],
        "tokens": [["B", "A"], ["C"], [], None],
        "born": pa.array([date(1990, 1, 2), None, date(1980, 3, 4), None], pa.date32()),
        "year": pa.array([2023, 2024, 2022, 2021], pa.int64()),
    }
)
# Window functions count in INTEGER on Spark and BIGINT on DuckDB: queries whose results are
# kept cast them (as the index's form ids are).
QUERY = """
    SELECT tin, year, born, {first}(tokens, 1) AS first_token,
           CAST(row_number() OVER (PARTITION BY tin ORDER BY year DESC) AS BIGINT) AS recency,
           count(*) OVER (PARTITION BY tin) AS per_tin
    FROM people ORDER BY tin, year
"""


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkEngine]:
    with SparkEngine() as engine:
        yield engine


def _duckdb(tmp_path: Path, compression: Compression) -> pa.Table:
    with DuckDBEngine(threads=1) as duck:
        duck.register("people", PEOPLE)
        duck.to_parquet(
            QUERY.format(first="list_extract"), tmp_path / "duckdb.parquet", compression=compression
        )
    return pq.read_table(tmp_path / "duckdb.parquet")


def _codecs(path: Path) -> set[str]:
    meta = pq.ParquetFile(path).metadata
    return {
        meta.row_group(g).column(c).compression
        for g in range(meta.num_row_groups)
        for c in range(meta.num_columns)
    }


@pytest.mark.parametrize("compression", ["zstd", "lz4"])
@pytest.mark.parametrize("on_driver", [True, False], ids=["through the driver", "by Spark"])
def test_to_parquet_writes_one_file_as_duckdb_does(
    spark: SparkEngine, tmp_path: Path, on_driver: bool, compression: Compression
) -> None:
    spark.write_on_driver = on_driver
    spark.register("people", PEOPLE)
    spark.to_parquet(
        QUERY.format(first="try_element_at"), tmp_path / "spark.parquet", compression=compression
    )
    want = _duckdb(tmp_path, compression)
    got = pq.read_table(tmp_path / "spark.parquet")
    assert got.schema.names == want.schema.names
    assert got.schema.types == want.schema.types
    assert got.to_pylist() == want.to_pylist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["duckdb.parquet", "spark.parquet"]
    # pyarrow names LZ4_RAW, the codec both engines write for "lz4", LZ4.
    codec = {"zstd": "ZSTD", "lz4": "LZ4"}[compression]
    assert _codecs(tmp_path / "spark.parquet") == _codecs(tmp_path / "duckdb.parquet") == {codec}


def test_steps_become_views_and_failures_name_the_step(spark: SparkEngine) -> None:
    spark.register("people", PEOPLE)
    spark.run([SqlStep("adults", "SELECT tin FROM people WHERE born < DATE '2000-01-01'")])
    assert spark.scalar("SELECT count(*) FROM adults") == 2
    assert "adults" in spark.step_seconds
    with pytest.raises(EngineError, match="engine step 'broken' failed"):
        spark.run([SqlStep("broken", "SELECT no_such_column FROM people")])


def test_arrow_results_use_duckdb_types(spark: SparkEngine) -> None:
    spark.register("people", PEOPLE)
    table = spark.arrow("SELECT tin, tokens FROM people")
    assert table.schema.field("tin").type == pa.string()
    assert table.schema.field("tokens").type == pa.list_(pa.field("l", pa.string()))


def test_missing_java_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert not spark_engine._java_available()


def test_a_registered_table_keeps_the_rows_its_condition_names(spark: SparkEngine) -> None:
    want = "SELECT tin, year FROM people ORDER BY year"
    with DuckDBEngine(threads=1) as duck:
        duck.register("people", PEOPLE, where="year >= 2022")
        expected = duck.arrow(want).to_pylist()
    spark.register("people", PEOPLE, where="year >= 2022")
    assert (
        spark.arrow(want).to_pylist()
        == expected
        == [
            {"tin": "2", "year": 2022},
            {"tin": "3", "year": 2023},
            {"tin": "1", "year": 2024},
        ]
    )


def test_steps_done_with_are_let_go_and_the_kept_stay(spark: SparkEngine) -> None:
    spark.register("people", PEOPLE)
    spark.run(
        [
            SqlStep("born_known", "SELECT tin, born FROM people WHERE born IS NOT NULL"),
            SqlStep("first_born", "SELECT min(born) AS born FROM born_known"),
        ],
        keep=("first_born",),
    )
    assert spark.arrow("SELECT born FROM first_born").column("born").to_pylist() == [
        date(1980, 3, 4)
    ]
    with pytest.raises(EngineError):
        spark.arrow("SELECT * FROM born_known")
