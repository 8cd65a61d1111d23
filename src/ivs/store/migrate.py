"""Schema migrations with Alembic, configured in code (no alembic.ini at run time)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from ivs.domain.errors import StoreError
from ivs.store.package_tables import PACKAGE_TABLES
from ivs.store.schema import metadata

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade_store"]

_SCRIPTS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package ships its revisions
        raise StoreError("no migration revisions are installed with ivs; reinstall it")
    return head


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _unversioned_revision(conn: sa.Connection) -> str:
    """The revision a store made by ``create_all`` is at: the head, unless it was made before
    0005 or 0006 changed tables that already existed (create_all adds tables, not columns),
    or before 0007 added the package tables."""
    inspector = sa.inspect(conn)
    if "expires_at" not in {c["name"] for c in inspector.get_columns("service_users")}:
        return "0004"
    if "agency" not in {c["name"] for c in inspector.get_columns("batch_records")}:
        return "0005"
    return "head" if set(inspector.get_table_names()) >= set(PACKAGE_TABLES) else "0006"


def upgrade_store(engine: sa.Engine) -> str:
    """Bring the store's schema to the latest revision; returns that revision.

    A store made by ``create_all`` (``open_store``) before migrations were run already has
    every table; it is stamped with the current head rather than created again.
    """
    config = alembic_config()
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            versioned = MigrationContext.configure(conn).get_current_revision() is not None
            existing = set(sa.inspect(conn).get_table_names())
            if not versioned and existing >= set(metadata.tables) - set(PACKAGE_TABLES):
                # Made by create_all: stamped at the revision its columns show, then upgraded.
                command.stamp(config, _unversioned_revision(conn))
            command.upgrade(config, "head")
    except SQLAlchemyError as e:
        raise StoreError(
            f"migrating the store failed: {e.__class__.__name__}: {e}. Nothing was changed; "
            "check the database and run `ivs db upgrade` again."
        ) from e
    return head_revision()
