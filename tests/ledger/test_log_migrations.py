"""Alembic migrations: the revisions build exactly the tables the code declares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import ivs.store  # noqa: F401 - imports every table module, so every table joins metadata
from ivs.store.migrate import current_revision, head_revision, upgrade_store
from ivs.store.schema import metadata

INITIAL_TABLES = {
    "batches",
    "pilot_changes",
    "ledger_entries",
    "ledger_subtrees",
    "ledger_state",
    "ledger_signed_heads",
}


def _differences(engine: sa.Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def _table_of(difference: Any) -> str:
    # Differences are tuples (op, object, ...) or lists of them (column modifications).
    item = difference[0] if isinstance(difference, list) else difference
    target = item[1] if item[0] in {"add_table", "remove_table"} else item[2]
    return str(target if isinstance(target, str) else getattr(target, "name", target))


def test_the_initial_revision_builds_its_tables_as_declared(engine: sa.Engine) -> None:
    assert current_revision(engine) == head_revision()
    inside = [d for d in _differences(engine) if _table_of(d) in INITIAL_TABLES]
    assert inside == []
    assert upgrade_store(engine) == head_revision()  # a second run changes nothing


def test_every_declared_table_has_a_migration(engine: sa.Engine) -> None:
    assert _differences(engine) == []


def test_a_store_made_by_create_all_is_stamped_not_recreated(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'made.sqlite3'}")
    metadata.create_all(engine)
    assert current_revision(engine) is None
    assert upgrade_store(engine) == head_revision()
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_store_made_by_create_all_before_0005_gets_its_columns(tmp_path: Path) -> None:
    """create_all adds tables, not columns: a store it made before revision 0005 (then opened
    by a newer ivs, which added the sessions table) is stamped 0004 and upgraded."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE service_users DROP COLUMN expires_at")
        for column in ("lease_owner", "lease_expires_at", "worker_pid", "resumed"):
            conn.exec_driver_sql(f"ALTER TABLE service_jobs DROP COLUMN {column}")
    assert upgrade_store(engine) == head_revision()
    assert _differences(engine) == []
    engine.dispose()


def test_a_store_made_by_create_all_before_0006_gets_the_package_tables(tmp_path: Path) -> None:
    """A store create_all made before the package tables existed is stamped 0005 and
    upgraded: 0006 creates them, and the rest is left as it was."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE recipient_keys")
        conn.exec_driver_sql("DROP TABLE response_packages")
        conn.exec_driver_sql(
            "INSERT INTO pilot_changes (action, state, effective, changed_at, "
            "changed_by) VALUES ('enable', 'TX', '2025-01-01', 'now', 'kept')"
        )
    assert upgrade_store(engine) == head_revision()
    assert _differences(engine) == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT changed_by FROM pilot_changes").scalar() == "kept"
    engine.dispose()
