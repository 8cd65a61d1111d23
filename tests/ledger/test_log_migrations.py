"""Alembic migrations: the revisions build exactly the tables the code declares."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import ivs.store  # noqa: F401 - imports every table module, so every table joins metadata
from ivs.domain.errors import StoreError
from ivs.store.migrate import alembic_config, current_revision, head_revision, upgrade_store
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
    assert _differences(engine) == []
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
    assert _differences(engine) == []
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


def _migrate(engine: sa.Engine, step: Callable[..., None], revision: str) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        step(config, revision)


def test_0006_keys_batches_by_agency_and_carries_rows_over(engine: sa.Engine) -> None:
    """Rows stored while batch ids were one namespace keep their batch, now known by its agency;
    after the migration another agency may store a batch of the same id."""
    _migrate(engine, command.downgrade, "0005")
    batch = {"batch_id": "B-1", "requesting_agency": "DHS-ICE"}
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO batches (batch_id, manifest_digest, requesting_agency, record_count,"
                " status, received_at, committed_rows) VALUES (:batch_id, 'd', "
                ":requesting_agency, 1, 'completed', 't', 1)"
            ),
            batch,
        )
        conn.execute(
            sa.text(
                "INSERT INTO batch_records (batch_id, row, request_id, outcome, code, "
                "decision_entry, decided_at) VALUES "
                "('B-1', 0, 'R1', 'DISCLOSED', 'MATCHED', 0, 't')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO review_cases (batch_id, request_id, row, tin, match_probability, "
                "match_weight, rule_set, decisions_path, enqueued_at, status) VALUES "
                "('B-1', 'R1', 0, '123456789', 0.97, 10.0, 'r', '/x', 't', 'open')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO review_releases (batch_id, number, released_at, released_by, path, "
                "response_sha256, disclosed, not_disclosed) VALUES "
                "('B-1', 1, 't', 'o', '/x', 'h', 1, 0)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO service_jobs (batch_id, agency, submitted_by, manifest_path, "
                "out_dir, record_count, status, submitted_at) VALUES "
                "('B-1', 'DHS-ICE', 'ana', '/m', '/o', 1, 'completed', 't')"
            )
        )
    assert upgrade_store(engine) == head_revision()
    assert _differences(engine) == []
    with engine.begin() as conn:
        for table, agency in (
            ("batches", "requesting_agency"),
            ("batch_records", "agency"),
            ("review_cases", "agency"),
            ("review_releases", "agency"),
            ("service_jobs", "agency"),
        ):
            rows = conn.execute(sa.text(f"SELECT {agency}, batch_id FROM {table}")).all()
            assert [tuple(r) for r in rows] == [("DHS-ICE", "B-1")], table
        # Another agency's batch of the same id is another batch.
        conn.execute(
            sa.text(
                "INSERT INTO batches (batch_id, manifest_digest, requesting_agency, record_count,"
                " status, received_at, committed_rows) VALUES ('B-1', 'e', 'DHS-CBP', 1, "
                "'running', 't', 0)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO batch_records (agency, batch_id, row, request_id, outcome, code, "
                "decision_entry, decided_at) VALUES ('DHS-CBP', 'B-1', 0, 'R1', 'REJECTED', "
                "'X', 1, 't')"
            )
        )
    # And back: the downgrade past 0006 refuses what the old key cannot hold, changing nothing.
    _migrate(engine, command.downgrade, "0006")
    with pytest.raises(StoreError, match="used by several agencies"):
        _migrate(engine, command.downgrade, "0005")
    assert current_revision(engine) == "0006"
    assert upgrade_store(engine) == head_revision()
    assert _differences(engine) == []


def test_a_store_made_by_create_all_before_0007_gets_the_package_tables(tmp_path: Path) -> None:
    """A store create_all made before the package tables existed is stamped 0006 and
    upgraded: 0007 creates them, and the rest is left as it was."""
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
