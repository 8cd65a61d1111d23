"""Relational state (SQLAlchemy Core): SQLite by default, PostgreSQL by URL."""

from ivs.store.connection import open_store, store_url
from ivs.store.pilot import pilot_history, record_pilot_change
from ivs.store.schema import batches, metadata, pilot_changes

__all__ = [
    "batches",
    "metadata",
    "open_store",
    "pilot_changes",
    "pilot_history",
    "record_pilot_change",
    "store_url",
]
