"""``ivs init``, ``ivs db upgrade`` and ``ivs ledger ...`` through Typer's CliRunner."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from ivs.cli import app
from ivs.domain.settings import load_settings
from ivs.ledger.entries import record_decision
from ivs.ledger.keys import ledger_key_path, open_ledger
from ivs.store.connection import store_url
from ivs.store.migrate import head_revision

AT = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def initialised(runner: CliRunner, ivs_home: Path) -> Path:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    ledger = open_ledger(load_settings())
    ledger.append(
        [
            record_decision(
                at=AT,
                agency="A",
                batch_id="B",
                request_id=f"R{i}",
                outcome="NOT_DISCLOSED",
                code="NO_CANDIDATE",
                rule_set="r",
                software_version="v",
            )
            for i in range(1_234)
        ]
    )
    return ivs_home


def test_init_makes_a_private_key_it_never_prints_and_a_migrated_store(
    runner: CliRunner, ivs_home: Path
) -> None:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    key = ledger_key_path(load_settings())
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "PRIVATE" not in result.output
    assert key.read_text() not in result.output
    assert f"schema revision {head_revision()}" in result.output
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 0
    assert f"ledger key kept: {key}" in again.output
    upgraded = runner.invoke(app, ["db", "upgrade"]).output
    assert upgraded == f"store at schema revision {head_revision()}\n"


def test_init_makes_the_store_as_every_store_is_made(runner: CliRunner, ivs_home: Path) -> None:
    assert runner.invoke(app, ["init"]).exit_code == 0
    with sqlite3.connect(ivs_home / "ivs.sqlite3") as db:
        assert db.execute("PRAGMA page_size").fetchone() == (65536,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_commands_need_init_first(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 6
    assert "Run `ivs init`" in result.output


def test_head_and_verify_of_an_intact_ledger(runner: CliRunner, initialised: Path) -> None:
    root = open_ledger(load_settings()).head().root.hex()
    head = runner.invoke(app, ["ledger", "head"])
    assert head.exit_code == 0
    assert "entries: 1234\n" in head.output
    assert f"root: {root}\n" in head.output
    assert "signed head: 1000 entries" in head.output
    signed = runner.invoke(app, ["ledger", "head", "--sign"])
    assert "signed head: 1234 entries" in signed.output
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 0
    assert result.output == f"ledger intact: 1234 entries, root {root}, 2 signed heads checked\n"


def test_verify_names_the_first_bad_entry(runner: CliRunner, initialised: Path) -> None:
    engine = sa.create_engine(store_url(load_settings()))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER ledger_entries_no_delete")
        conn.exec_driver_sql("DELETE FROM ledger_entries WHERE entry_index = 517")
    engine.dispose()
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 10
    assert "verification failed at entry 517: entry 517 is missing" in result.output


def test_prove_then_check_proof_without_the_store(
    runner: CliRunner, initialised: Path, tmp_path: Path
) -> None:
    out = tmp_path / "proof.json"
    result = runner.invoke(app, ["ledger", "prove", "1200", "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["index"] == 1200
    assert document["tree_size"] == 1234  # newer than the head of 1000: a head was signed
    assert document["signed_tree_head"]
    public = (ledger_key_path(load_settings()).with_suffix(".ed25519.pub")).read_text().strip()
    checked = runner.invoke(app, ["ledger", "check-proof", str(out), "--public-key", public])
    assert checked.exit_code == 0, checked.output
    assert "ok: entry 1200 is in the tree of 1234 entries" in checked.output
    assert "ok: that tree head is signed by ledger key" in checked.output
    # An altered entry no longer matches its leaf hash.
    document["entry"] = document["entry"].replace("NOT_DISCLOSED", "DISCLOSED")
    out.write_text(json.dumps(document))
    refused = runner.invoke(app, ["ledger", "check-proof", str(out)])
    assert refused.exit_code == 10
    assert "entry 1200 does not hash to the proof's leaf hash" in refused.output


def test_a_proof_against_another_key_is_refused(
    runner: CliRunner, initialised: Path, tmp_path: Path
) -> None:
    out = tmp_path / "proof.json"
    assert runner.invoke(app, ["ledger", "prove", "3", "--out", str(out)]).exit_code == 0
    result = runner.invoke(app, ["ledger", "check-proof", str(out), "--public-key", "11" * 32])
    assert result.exit_code == 10
    assert "names signing key" in result.output


def test_consistency_proof_checks(runner: CliRunner, initialised: Path, tmp_path: Path) -> None:
    out = tmp_path / "consistency.json"
    result = runner.invoke(app, ["ledger", "consistency", "1000", "--out", str(out)])
    assert result.exit_code == 0, result.output
    checked = runner.invoke(app, ["ledger", "check-proof", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "ok: the tree of 1234 entries only appended to the tree of 1000" in checked.output
    assert "ok: the head of 1000 entries is signed by" in checked.output


def test_export_jsonl(runner: CliRunner, initialised: Path, tmp_path: Path) -> None:
    out = tmp_path / "ledger.jsonl"
    result = runner.invoke(app, ["ledger", "export", "--format", "jsonl", "--out", str(out)])
    assert result.exit_code == 0
    assert result.output == f"wrote 1234 entries to {out}\n"
    lines = out.read_text().splitlines()
    assert len(lines) == 1234
    assert json.loads(lines[5])["index"] == 5
    stdout = runner.invoke(app, ["ledger", "export"])
    assert stdout.output.splitlines() == lines
    wrong = runner.invoke(app, ["ledger", "export", "--format", "csv"])
    assert wrong.exit_code == 2
