"""Opening the store: a SQLite file under $IVS_HOME by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from ivs.domain.errors import StoreError
from ivs.domain.settings import Settings
from ivs.store.schema import metadata

__all__ = ["close_stores", "open_store", "store_engine", "store_url"]

# One engine (and connection pool) per store URL in a process, as SQLAlchemy intends.
_ENGINES: dict[str, sa.Engine] = {}


def store_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{Path(settings.home) / 'ivs.sqlite3'}"


def _private_home(home: Path) -> None:
    """$IVS_HOME is its owner's alone (0700), whatever the umask it was made under."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    home.chmod(0o700)


def _private_file(path: Path) -> None:
    # The store holds TINs and addresses: 0600 (SQLite gives its -wal and -shm files the same).
    if path.exists():
        path.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # 64 KiB pages (a new database only; an existing one keeps its own): a batch's commit
    # appends millions of rows of a few hundred bytes, and took 15.3 s with them against
    # 17.6 s with the default 4 KiB (benchmarks/bench_commit.py); proofs read no slower.
    cursor.execute("PRAGMA page_size=65536")
    # WAL with synchronous=FULL: a committed decision survives a crash or power loss.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # A 256 MB page cache: a batch's commit touches the ledger's and records' B-trees at
    # their right edges, which then stay in memory.
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.close()


def store_engine(settings: Settings) -> sa.Engine:
    """A new engine on the store, SQLite's connections set up as every store's are."""
    url = store_url(settings)
    if url.startswith("sqlite"):
        _private_home(Path(settings.home))
        engine = sa.create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        store_file = Path(settings.home) / "ivs.sqlite3"
        event.listen(engine, "connect", lambda *_args: _private_file(store_file))
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def open_store(settings: Settings) -> sa.Engine:
    """An engine on the store with every table created (one per URL in a process)."""
    url = store_url(settings)
    if url in _ENGINES:
        return _ENGINES[url]
    try:
        engine = store_engine(settings)
        metadata.create_all(engine)
    except SQLAlchemyError as e:
        raise StoreError(
            f"cannot open the store at {url.split('@')[-1]}: {e.__class__.__name__}: {e}. "
            "Check IVS_DATABASE_URL, or unset it to use the SQLite file under $IVS_HOME."
        ) from e
    _ENGINES[url] = engine
    return engine


def close_stores() -> None:
    """Close every pooled connection (before a store is dropped, or at exit)."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()
