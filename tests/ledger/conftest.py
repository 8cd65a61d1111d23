"""Store fixtures for the ledger: every store test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ivs.ledger.log import Ledger
from ivs.store.migrate import upgrade_store


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A migrated, empty store: a SQLite file, or a fresh schema on the PostgreSQL server."""
    if request.param == "sqlite":
        made = sa.create_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
        upgrade_store(made)
        yield made
        made.dispose()
        return
    url: str = request.getfixturevalue("postgres_url")
    schema = f"ivs_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    made = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade_store(made)
        yield made
    finally:
        made.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def ledger(engine: sa.Engine, signing_key: Ed25519PrivateKey) -> Ledger:
    return Ledger(engine, signing_key, checkpoint_interval=10)


Tamper = Callable[..., None]


@pytest.fixture
def tamper(engine: sa.Engine) -> Tamper:
    """Runs SQL as an attacker with DBA rights would: with the append-only triggers off."""

    def run(*statements: str) -> None:
        _tamper(engine, statements)

    return run


def _tamper(engine: sa.Engine, statements: Sequence[str]) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Session-wide: user triggers do not fire for a replica-role session.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            for table in ("ledger_entries", "ledger_subtrees", "ledger_signed_heads"):
                for op in ("update", "delete"):
                    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        for statement in statements:
            conn.exec_driver_sql(statement)
