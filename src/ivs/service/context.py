"""What every part of the service shares: settings, the store, the ledger, the master file, the
clock and the limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from ivs.domain.settings import Settings
from ivs.ledger.keys import ledger_key_path, load_ledger_key
from ivs.ledger.log import Ledger
from ivs.store import open_store

__all__ = ["SESSION_COOKIE", "Limits", "ServiceContext", "open_context"]

# The web pages' session cookie (a session's own secret, never a bearer token).
SESSION_COOKIE = "ivs_session"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Limits:
    """Upload sizes and request rates the service accepts."""

    max_manifest_bytes: int = 1 << 20  # a manifest is a few kilobytes
    max_records_bytes: int = 1 << 30  # 2 M records of ~300 bytes fit with room to spare
    max_body_bytes: int = (1 << 30) + (2 << 20)  # both files and the multipart framing
    requests_per_minute: int = 600  # a token's sustained rate
    burst: int = 120  # requests a token may send at once before the rate applies


@dataclass(frozen=True)
class ServiceContext:
    settings: Settings
    store: sa.Engine
    ledger: Ledger
    master: Path
    model_path: Path | None = None
    clock: Callable[[], datetime] = _utc_now
    limits: Limits = field(default_factory=Limits)
    # Each batch runs in a process of its own (the service's default); False runs it on the
    # worker thread, which shares the service's warm caches (quicker for small batches).
    batch_processes: bool = True

    @property
    def work_dir(self) -> Path:
        """Uploaded batches and their outputs: ``$IVS_HOME/service``."""
        return Path(self.settings.home) / "service"

    def now(self) -> datetime:
        return self.clock()


def open_context(
    settings: Settings,
    master: Path,
    *,
    model_path: Path | None = None,
    clock: Callable[[], datetime] = _utc_now,
    limits: Limits | None = None,
    batch_processes: bool = True,
) -> ServiceContext:
    """The context of a service on the configured store; needs `ivs init` (the ledger key)."""
    store = open_store(settings)
    return ServiceContext(
        settings=settings,
        store=store,
        ledger=Ledger(store, load_ledger_key(ledger_key_path(settings))),
        master=master,
        model_path=model_path,
        clock=clock,
        limits=limits or Limits(),
        batch_processes=batch_processes,
    )
