"""Batch ids that name a path: refused at intake, and never followed by a purge."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.intake.batch_factory import good_record, make_batch
from tests.recipients import write_smith_keys
from typer.testing import CliRunner

from ivs.batch.run import run_batch
from ivs.cli import app
from ivs.domain.settings import load_settings
from ivs.formats import read_signers
from ivs.ledger.keys import ledger_key_path, open_ledger
from ivs.store.schema import batches

from .small_world import REQUESTS, write_master

NOW = datetime(2025, 6, 28, tzinfo=UTC)
runner = CliRunner()


def ivs(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), terminal_width=200)
    assert result.exit_code == code, result.output
    return result.output


@pytest.mark.parametrize("kind", ["absolute", "parent", "nested"])
def test_ivs_run_refuses_a_batch_id_that_names_a_path(tmp_path: Path, kind: str) -> None:
    ivs("init")
    victim = tmp_path / "victim"
    batch_id = {"absolute": str(victim / "x"), "parent": "..", "nested": "a/b"}[kind]
    master = write_master(tmp_path / "master")
    batch = make_batch(tmp_path / "batch", [r for r, _, _ in REQUESTS], batch_id=batch_id)
    out = tmp_path / "out"
    said = ivs(
        "run",
        str(batch.manifest),
        "--master",
        str(master),
        "--signers",
        str(batch.signers),
        "--out",
        str(out),
        code=4,
    )
    assert "batch_id" in said
    assert "not a valid identifier" in said
    assert not victim.exists()
    assert not (tmp_path / "a").exists()
    assert not out.exists() or not any(out.iterdir())
    settings = load_settings()
    assert not (Path(settings.home) / "work").exists()
    assert ledger_key_path(settings).is_file()


def test_purge_leaves_alone_batches_stored_under_ids_that_name_paths(tmp_path: Path) -> None:
    """Stored before ids were checked: ``..`` (its working folder would be $IVS_HOME), an
    absolute id and a nested one. Purge must neither follow them nor stop for them."""
    ivs("init")
    settings = load_settings()
    home = Path(settings.home)
    master = write_master(tmp_path / "master")
    batch = make_batch(tmp_path / "batch", [r for r, _, _ in REQUESTS])
    out = tmp_path / "out"
    run_batch(batch.manifest, master, read_signers(batch.signers), settings, out, now=NOW)
    victim = tmp_path / "victim"
    (victim / "x").mkdir(parents=True)
    (victim / "x.response.csv").write_text("keep me\n")
    (home / "work" / "a" / "b").mkdir(parents=True)
    legacy = ["..", str(victim / "x"), "a/b"]
    store = open_ledger(settings).store
    with store.begin() as conn:
        for batch_id in legacy:
            conn.execute(
                batches.insert().values(
                    batch_id=batch_id,
                    manifest_digest="0" * 64,
                    requesting_agency="DHS-ICE",
                    record_count=1,
                    status="completed",
                    received_at="2025-01-01T00:00:00+00:00",
                    finished_at="2025-01-01T00:00:00+00:00",
                    out_dir=str(out),
                )
            )
    said = ivs("purge", "--older-than", "0")
    assert "of 1 batch(es)" in said
    assert "left alone: 3 batch(es)" in said
    assert "'..'" in said
    assert ledger_key_path(settings).is_file()
    assert home.is_dir()
    assert (home / "work" / "a" / "b").is_dir()
    assert (victim / "x").is_dir()
    assert (victim / "x.response.csv").read_text() == "keep me\n"
    assert not list(out.glob("TEST-2025-06-27-A.*"))
    # Retention goes on for every later batch: the next purge does not stop either.
    again = ivs("purge", "--older-than", "0")
    assert "left alone: 3 batch(es)" in again
    with store.connect() as conn:
        rows = conn.execute(batches.select().where(batches.c.batch_id.in_(legacy))).all()
    assert [r.purged_at for r in rows] == [None, None, None]


def test_records_without_a_usable_request_id_are_rejected_not_a_crash(
    tmp_path: Path, store_backend: str
) -> None:
    """A missing request id, and ids that are not identifiers (NUL, 300 characters, a formula),
    on SQLite and PostgreSQL: the records are rejected, the rest decided, the run finishes and
    answers again byte for byte. Before, the first crashed the commit (NOT NULL) and the NUL
    crashed it on PostgreSQL."""
    ivs("init")
    ivs("recipients", "import", str(write_smith_keys(tmp_path / "recipients.json")))
    master = write_master(tmp_path / "master")
    odd = ["", "R\x001", "R" * 300, "@SUM(1+1)"]
    rows = [good_record(i, request_id=rid) for i, rid in enumerate(odd, start=1)]
    rows += [good_record(i) for i in range(5, 21)]
    batch = make_batch(tmp_path / "batch", rows)
    settings = load_settings()
    signers = read_signers(batch.signers)
    first = run_batch(batch.manifest, master, signers, settings, tmp_path / "out", now=NOW)
    decisions = pq.read_table(first.decisions).to_pylist()
    assert [(d["outcome"], d["decision_code"]) for d in decisions[:4]] == [
        ("REJECTED", "REQUEST_ID_MISSING"),
        *[("REJECTED", "REQUEST_ID_INVALID")] * 3,
    ]
    assert {d["outcome"] for d in decisions[4:]} == {"NOT_DISCLOSED"}
    answered = first.response.read_bytes()
    again = run_batch(batch.manifest, master, signers, settings, tmp_path / "out", now=NOW)
    assert again.repeated
    assert again.response.read_bytes() == answered
    ivs("ledger", "verify")  # exit 0: every entry, the empty request ids among them, checks
