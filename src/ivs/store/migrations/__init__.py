"""Alembic migrations of the store, run in code by :func:`ivs.store.migrate.upgrade_store`."""
