"""``ivs users``, ``ivs signers`` and ``ivs run`` with the stored roster, as a user runs them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.batch.small_world import write_batch, write_master
from tests.recipients import write_smith_keys
from typer.testing import CliRunner

from ivs.cli import app
from ivs.domain.errors import Unauthenticated
from ivs.domain.settings import load_settings
from ivs.service.users import authenticate, list_users
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


def test_users_add_with_an_expiry() -> None:
    _ok("init")
    out = _ok("users", "add", "temp", "--role", "auditor", "--expires", "30d")
    token = re.search(r"^(ivs_[0-9a-f]{16}_\S{43})$", out, re.MULTILINE)
    assert token is not None, out
    store = open_store(load_settings())
    now = datetime.now(UTC)
    assert authenticate(store, token.group(1), now=now).name == "temp"
    with pytest.raises(Unauthenticated, match="expired"):
        authenticate(store, token.group(1), now=now + timedelta(days=31))
    _ok("users", "add", "day", "--role", "auditor", "--expires", "2099-03-31")
    expiries = {u.name: u.expires_at for u in list_users(store)}
    assert expiries["day"] == "2099-04-01T00:00:00+00:00"  # through the end of the day, UTC
    assert "never" not in _ok("users", "list")
    for wrong in ("tomorrow", "2099-03-31T12:00:00", "2000-01-01"):
        refused = runner.invoke(app, ["users", "add", "x", "--role", "auditor", "--expires", wrong])
        assert refused.exit_code == 2, (wrong, refused.output)


def test_signers_import_then_run_without_signers(tmp_path: Path) -> None:
    _ok("init")
    _ok("recipients", "import", str(write_smith_keys(tmp_path / "recipients.json")))
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
    assert (tmp_path / "o" / "TEST-2025-06-27-A.package.zip").is_file()
    raw = json.loads(batch.signers.read_text(encoding="utf-8"))
    raw["signers"] = []
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(raw), encoding="utf-8")
    assert "removed: ice-director-2025" in _ok("signers", "import", str(empty))
    exported = _ok("ledger", "export")
    kinds = [json.loads(line)["kind"] for line in exported.splitlines() if line.startswith("{")]
    assert kinds.count("signers_changed") == 2
