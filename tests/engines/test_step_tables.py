"""Which step tables an engine lets go of, and when."""

from __future__ import annotations

import pytest

from ivs.domain.engine import SqlStep, done_after
from ivs.engines import DuckDBEngine, EngineError

STEPS = [
    SqlStep("numbers", "SELECT range AS n FROM range(10)"),
    SqlStep("evens", "SELECT n FROM numbers WHERE n % 2 = 0"),
    SqlStep("odds", "SELECT n FROM numbers WHERE n % 2 = 1"),
    # Not a reader of evens, but it names it (a column): evens is only kept longer.
    SqlStep("neighbours", "SELECT n - 1 AS evens, n FROM odds"),
]


def test_a_table_is_let_go_after_the_last_step_that_reads_it() -> None:
    assert done_after(STEPS, keep=("neighbours",)) == [[], [], ["numbers"], ["evens", "odds"]]


def test_a_kept_table_is_never_let_go() -> None:
    assert done_after(STEPS, keep=("neighbours", "numbers", "evens")) == [[], [], [], ["odds"]]


def test_a_table_no_step_reads_goes_with_its_own_step() -> None:
    assert done_after(STEPS[:2], keep=()) == [[], ["numbers", "evens"]]


def test_the_engine_drops_what_is_done_and_keeps_the_rest() -> None:
    with DuckDBEngine(threads=1) as engine:
        engine.run(STEPS, keep=("neighbours",))
        assert engine.arrow("SELECT count(*) AS n FROM neighbours").column("n").to_pylist() == [5]
        for gone in ("numbers", "evens", "odds"):
            with pytest.raises(EngineError):
                engine.arrow(f"SELECT * FROM {gone}")


def test_without_keep_every_table_stays() -> None:
    with DuckDBEngine(threads=1) as engine:
        engine.run(STEPS)
        for name in ("numbers", "evens", "odds", "neighbours"):
            assert engine.arrow(f"SELECT count(*) AS n FROM {name}").num_rows == 1
