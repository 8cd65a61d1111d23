"""Alembic environment: the connection comes from the caller, never from an ini file."""

from __future__ import annotations

from alembic import context

from ivs.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
