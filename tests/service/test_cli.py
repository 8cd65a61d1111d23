"""``ivs users``, ``ivs signers`` and ``ivs run`` with the stored roster, as a user runs them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from tests.batch.small_world import write_batch, write_master
from typer.testing import CliRunner

from ivs.cli import app
from ivs.domain.settings import load_settings
from ivs.service.users import authenticate
from ivs.store import open_store

runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_users_add_list_revoke() -> None:
    _ok("init")
    out = _ok("users", "add", "ana", "--role", "requester", "--agency", "DHS-ICE")
    token = re.search(r"^(ivs_[0-9a-f]{16}_\S{43})$", out, re.MULTILINE)
    assert token is not None, out
    store = open_store(load_settings())
    assert authenticate(store, token.group(1), now=datetime.now(UTC)).name == "ana"
    listed = _ok("users", "list")
    assert "ana" in listed
    assert token.group(1) not in listed
    assert "requester" in listed
    missing_agency = runner.invoke(app, ["users", "add", "bo", "--role", "requester"])
    assert missing_agency.exit_code == 2
    assert "--agency" in missing_agency.output
    again = runner.invoke(app, ["users", "add", "ana", "--role", "auditor"])
    assert again.exit_code == 7  # Conflict
    _ok("users", "revoke", "ana")
    assert "revoked" in _ok("users", "list")
    twice = runner.invoke(app, ["users", "revoke", "ana"])
    assert twice.exit_code == 7


def test_signers_import_then_run_without_signers(tmp_path: Path) -> None:
    _ok("init")
    master = write_master(tmp_path / "master")
    batch = write_batch(tmp_path / "batch")
    no_roster = runner.invoke(
        app, ["run", str(batch.manifest), "--master", str(master), "--out", str(tmp_path / "o")]
    )
    assert no_roster.exit_code == 6
    assert "ivs signers import" in no_roster.output
    imported = _ok("signers", "import", str(batch.signers))
    assert "ice-director-2025" in imported
    assert "unchanged" in _ok("signers", "import", str(batch.signers))
    assert "1 signer(s)" in _ok("signers", "list")
    ran = runner.invoke(
        app, ["run", str(batch.manifest), "--master", str(master), "--out", str(tmp_path / "o")]
    )
    assert ran.exit_code == 0, ran.output
    assert (tmp_path / "o" / "TEST-2025-06-27-A.response.csv").is_file()
    raw = json.loads(batch.signers.read_text(encoding="utf-8"))
    raw["signers"] = []
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(raw), encoding="utf-8")
    assert "removed: ice-director-2025" in _ok("signers", "import", str(empty))
    exported = _ok("ledger", "export")
    kinds = [json.loads(line)["kind"] for line in exported.splitlines() if line.startswith("{")]
    assert kinds.count("signers_changed") == 2
