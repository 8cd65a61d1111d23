"""Jaro–Winkler and Damerau–Levenshtein in Spark SQL against DuckDB's, bit for bit."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivs.domain.errors import ConfigError
from ivs.engines import DuckDBEngine
from ivs.engines.spark_engine import SparkEngine
from ivs.match.string_sql import expand_spark_functions

DUCKDB_SQL = (
    "SELECT jaro_winkler_similarity(a, b) AS jw, damerau_levenshtein(a, b) AS dl, "
    "levenshtein(a, b) AS lev FROM pairs"
)
SPARK_SQL = (
    "SELECT ivs_jaro_winkler(a, b) AS jw, ivs_damerau_levenshtein(a, b) AS dl, "
    "ivs_levenshtein(a, b) AS lev FROM pairs"
)

EDGE_CASES = [
    ("", ""),
    ("A", ""),
    ("", "A"),
    ("A", "A"),
    ("A", "B"),
    ("AB", "BA"),  # window 0: no match across positions
    ("CA", "ABC"),  # 2 in true Damerau-Levenshtein, 3 in optimal string alignment
    ("MARTHA", "MARHTA"),
    ("DIXON", "DICKSONX"),
    ("JOHN", "JOHNSON"),  # prefix bonus, capped at four
    ("JOHNATHAN", "JOHNATHAN"),
    ("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ", "ABCD"),
    ("é", "e"),  # one character, one edit
    ("e\u0301", "é"),  # a combining accent is a character of its own
    ("日本", "本日"),
    ("NGUYỄN", "NGUYEN"),
    ("日日 ", "日 "),  # Winkler's step rounded once, as DuckDB's fused multiply-add does
    (None, "A"),
    ("A", None),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkEngine]:
    with SparkEngine() as engine:
        yield engine


def _both(spark: SparkEngine, pairs: list[tuple[str | None, str | None]]) -> tuple[list, list]:
    table = pa.table(
        {"a": pa.array([p[0] for p in pairs], pa.string()), "b": [p[1] for p in pairs]},
    )
    with DuckDBEngine(threads=1) as duck:
        duck.register("pairs", table)
        expected = duck.arrow(DUCKDB_SQL).to_pylist()
    spark.register("pairs", table)
    return spark.arrow(expand_spark_functions(SPARK_SQL)).to_pylist(), expected


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
def test_edge_cases_equal_duckdb(spark: SparkEngine) -> None:
    got, expected = _both(spark, EDGE_CASES)
    for pair, g, e in zip(EDGE_CASES, got, expected, strict=True):
        assert g == e, pair


# Few letters, so that strings share letters and transpositions; some multi-byte ones.
_CLOSE = st.text(alphabet="ABCDEÉ日 ", max_size=14)
_ANY = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
_PAIRS = st.lists(st.tuples(st.one_of(_CLOSE, _ANY), st.one_of(_CLOSE, _ANY)), min_size=1)


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs=_PAIRS.map(lambda p: p[:300]))
def test_random_strings_equal_duckdb(spark: SparkEngine, pairs: list[tuple[str, str]]) -> None:
    got, expected = _both(spark, list(pairs))
    for pair, g, e in zip(pairs, got, expected, strict=True):
        assert g == e, pair


def test_expansion_handles_nested_calls_and_quotes() -> None:
    sql = expand_spark_functions(
        "SELECT ivs_levenshtein(ivs_levenshtein(a, 'x,)'), concat(b, ')')) FROM t"
    )
    assert "ivs_" not in sql
    assert "'x,)'" in sql
    assert "concat(b, ')')" in sql


def test_expansion_checks_arity() -> None:
    with pytest.raises(ConfigError, match="two arguments"):
        expand_spark_functions("SELECT ivs_jaro_winkler(a) FROM t")
