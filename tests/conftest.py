"""Shared fixtures: an isolated $IVS_HOME for every test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings

from ivs.store import close_stores

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
def ledger_key(ivs_home: Path, request: pytest.FixtureRequest) -> Path:
    """What `ivs init` makes: the ledger's signing key (runs record every decision with it);
    and the test requester's recipient key registered, as `ivs recipients import` does, so
    that a batch's response is released as a package (tests/recipients.py)."""
    from tests.recipients import register_smith

    from ivs.ledger.keys import create_ledger_key

    if "store_backend" in request.fixturenames:
        request.getfixturevalue("store_backend")  # the key goes to the store under test
    path = ivs_home / "keys" / "ledger.ed25519"
    create_ledger_key(path)
    register_smith()
    return path


_PG_USERS = ("postgres", "root")


def _postgres_url() -> str | None:
    for user in _PG_USERS:
        url = f"postgresql+psycopg://{user}@127.0.0.1:5432/test"
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect():
                return url
        except sa.exc.OperationalError:
            continue
        finally:
            engine.dispose()
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = _postgres_url()
    if url is None:
        pytest.skip(
            "!!! NO POSTGRESQL SERVER answered at 127.0.0.1:5432 (database test, users "
            f"{', '.join(_PG_USERS)}): the PostgreSQL half of the ledger store tests DID NOT RUN"
        )
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_backend(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, ivs_home: Path
) -> Iterator[str]:
    """Runs the test on the default SQLite store, then on PostgreSQL in a schema of its own
    (IVS_DATABASE_URL), dropped afterwards."""
    if request.param == "sqlite":
        yield "sqlite"
        return
    url: str = request.getfixturevalue("postgres_url")
    schema = f"ivs_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    monkeypatch.setenv("IVS_DATABASE_URL", f"{url}?options=-csearch_path%3D{schema}")
    try:
        yield "postgresql"
    finally:
        close_stores()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
