"""Relational state (SQLAlchemy Core): SQLite by default, PostgreSQL by URL."""

# Imported for their effect: these tables join the one metadata (and create_all).
from ivs.store import disclosure_tables as disclosure_tables
from ivs.store import ledger_tables as ledger_tables
from ivs.store import package_tables as package_tables
from ivs.store import review_tables as review_tables
from ivs.store import service_tables as service_tables
from ivs.store.connection import close_stores, open_store, store_url
from ivs.store.pilot import pilot_history, record_pilot_change
from ivs.store.schema import batch_is, batches, find_batch, metadata, pilot_changes

__all__ = [
    "batch_is",
    "batches",
    "close_stores",
    "find_batch",
    "metadata",
    "open_store",
    "pilot_changes",
    "pilot_history",
    "record_pilot_change",
    "store_url",
]
