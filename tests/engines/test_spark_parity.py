"""The Spark engine answers a batch exactly as the DuckDB engine does.

One synthetic world of 100,000 taxpayers and 10,000 requests, run end to end on each engine
(index, matching, decisions, ledger, response) in its own home: the responses must be the
same bytes (compared in plaintext: a package's encryption differs run by run), every
record's outcome, code and matched taxpayer the same, and the index tables the same rows in
the same order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ivs.batch.run import RunResult, run_batch
from ivs.domain.settings import load_settings
from ivs.engines import EngineChoice
from ivs.formats import read_signers
from ivs.ledger.keys import create_ledger_key
from ivs.synth import SynthConfig, generate_world

NOW = datetime(2025, 6, 28, tzinfo=UTC)
WORLD = SynthConfig(taxpayers=100_000, requests=10_000, seed=5)
INDEX_TABLES = ("taxpayers", "address_forms", "addresses", "last_known")

# One xdist worker runs every Spark test: one JVM, and the other worker stays free.
pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.xdist_group("spark")]


def _run(
    world: Path, home: Path, engine: EngineChoice, monkeypatch: pytest.MonkeyPatch
) -> RunResult:
    monkeypatch.setenv("IVS_HOME", str(home))
    create_ledger_key(home / "keys" / "ledger.ed25519")
    (manifest,) = (world / "batch").glob("*.manifest.json")
    return run_batch(
        manifest,
        world / "master",
        read_signers(world / "signers.json"),
        load_settings(),
        home / "out",
        now=NOW,
        engine_choice=engine,
        plaintext_response=True,
        operator="test",
    )


def test_spark_answers_as_duckdb_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = tmp_path / "world"
    generate_world(world, WORLD)
    duck = _run(world, tmp_path / "duckdb", EngineChoice("duckdb"), monkeypatch)
    spark = _run(world, tmp_path / "spark", EngineChoice("spark"), monkeypatch)

    assert duck.plaintext is not None
    assert spark.plaintext is not None
    assert spark.plaintext.read_bytes() == duck.plaintext.read_bytes()
    keys = ["request_id", "outcome", "decision_code", "matched_tin"]
    want = pq.read_table(duck.decisions, columns=keys)
    got = pq.read_table(spark.decisions, columns=keys)
    assert got.to_pylist() == want.to_pylist()
    # The world exercises every outcome, and the engines agree on how each was reached.
    assert set(duck.outcomes) == {"DISCLOSED", "NOT_DISCLOSED", "REJECTED"}
    assert spark.codes == duck.codes
    assert spark.pair_counts == duck.pair_counts

    assert duck.index is not None
    assert spark.index is not None
    for name in INDEX_TABLES:
        want_index = pq.read_table(duck.index.path(name))
        got_index = pq.read_table(spark.index.path(name))
        # Same columns, types and rows in the same order. (DuckDB marks a column REQUIRED
        # where its statistics prove it has no nulls; Spark writes every column OPTIONAL.)
        assert got_index.schema.remove_metadata().names == want_index.schema.names
        assert got_index.schema.types == want_index.schema.types
        assert got_index.equals(want_index.cast(got_index.schema)), name
