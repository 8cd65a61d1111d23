"""Shared fixtures: an isolated $IVS_HOME for every test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI explores the same examples every run, so a red build is reproducible from its log; local
# runs keep drawing new ones and are where new counterexamples are found.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def ivs_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "ivs-home"
    monkeypatch.setenv("IVS_HOME", str(home))
    for key in list(os.environ):
        if key.startswith("IVS_") and key != "IVS_HOME":
            monkeypatch.delenv(key)
    return home


@pytest.fixture
def ledger_key(ivs_home: Path) -> Path:
    """What `ivs init` makes: the ledger's signing key (runs record every decision with it)."""
    from ivs.ledger.keys import create_ledger_key

    path = ivs_home / "keys" / "ledger.ed25519"
    create_ledger_key(path)
    return path
