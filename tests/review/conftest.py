"""A small hand-made world run through ``ivs run``, once with the default thresholds and once
with thresholds that send every confident match to review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.batch.small_world import write_batch, write_master

from ivs.batch.index_step import ensure_index
from ivs.batch.run import RunResult, run_batch
from ivs.domain.settings import Settings, load_settings
from ivs.formats import read_signers
from ivs.review import enqueue_reviews, record_inputs
from ivs.store import open_store

NOW = datetime(2025, 6, 28, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _initialized(ledger_key: Path) -> None:
    """Every test here runs a batch, which records its decisions on the ledger."""


@dataclass
class Ran:
    result: RunResult
    manifest: Path
    master: Path
    out: Path
    index: Path
    settings: Settings


def run_world(tmp_path: Path, settings: Settings) -> Ran:
    master = write_master(tmp_path / "master")
    batch = write_batch(tmp_path / "batch")
    out = tmp_path / "out"
    result = run_batch(batch.manifest, master, read_signers(batch.signers), settings, out, now=NOW)
    index = ensure_index(master, settings).folder
    # What run_batch is to do after writing the decisions (see docs/review.md).
    record_inputs(out, result.key, manifest=batch.manifest, master=master, index=index)
    return Ran(result, batch.manifest, master, out, index, settings)


@pytest.fixture
def ran(tmp_path: Path) -> Ran:
    return run_world(tmp_path, load_settings())


@pytest.fixture
def reviewed(tmp_path: Path) -> Ran:
    """Every match lands between the thresholds, so the run decides REVIEW instead of MATCHED."""
    return run_world(tmp_path, load_settings(disclosure_threshold=1.0, review_threshold=0.5))


@pytest.fixture
def store(reviewed: Ran) -> sa.Engine:
    engine = open_store(reviewed.settings)
    enqueue_reviews(engine, reviewed.result.key, reviewed.result.decisions, now=NOW)
    return engine
