"""A service over the small hand-made world: users of every role, the roster imported, and one
batch run with thresholds that send its confident matches to review."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from tests.batch.small_world import write_batch, write_master
from tests.intake.batch_factory import BatchFiles
from tests.recipients import SMITH_KEY

from ivs.batch.roster import import_roster
from ivs.disclose.recipient_keys import import_recipient_keys
from ivs.domain.settings import Settings, load_settings
from ivs.formats import read_signers
from ivs.ledger.keys import create_ledger_key, ledger_key_path
from ivs.service import Limits, ServiceContext, create_app, open_context
from ivs.service.users import add_user, revoke_user

NOW = datetime(2025, 6, 28, 12, 0, tzinfo=UTC)
OWN_AGENCY = "DHS-ICE"
OTHER_AGENCY = "DHS-CBP"
GENEROUS = Limits(requests_per_minute=1_000_000, burst=1_000_000)

# caller -> (role, agency); "revoked" is a requester of the own agency whose token was revoked.
USERS = {
    "requester": ("requester", OWN_AGENCY),
    "other-requester": ("requester", OTHER_AGENCY),
    "reviewer": ("reviewer", None),
    "auditor": ("auditor", None),
    "admin": ("admin", None),
    "revoked": ("requester", OWN_AGENCY),
}


@dataclass
class World:
    home: Path
    settings: Settings
    master: Path
    batch: BatchFiles
    tokens: dict[str, str]

    def context(self, limits: Limits = GENEROUS, *, processes: bool = False) -> ServiceContext:
        """The service's context; batches run on the worker thread unless ``processes``
        (as `ivs serve` runs them), which costs each run a fresh interpreter's start."""
        return open_context(
            self.settings,
            self.master,
            clock=lambda: NOW,
            limits=limits,
            batch_processes=processes,
        )


def make_world(root: Path, *, review_band: bool = True, **settings: object) -> World:
    home = root / "home"
    # The authorization matrix sends thousands of bad tokens from one address: no throttle.
    overrides: dict[str, object] = {"home": home, "signin_failures_allowed": 1_000_000}
    if review_band:
        # Every confident match lands between the thresholds: the run queues review cases.
        overrides.update(disclosure_threshold=1.0, review_threshold=0.5)
    overrides.update(settings)
    settings = load_settings(**overrides)
    create_ledger_key(ledger_key_path(settings))
    master = write_master(root / "master")
    batch = write_batch(root / "batch")
    ctx = open_context(settings, master, clock=lambda: NOW)
    import_roster(
        ctx.store, read_signers(batch.signers), changed_by="setup", now=NOW, ledger=ctx.ledger
    )
    import_recipient_keys(ctx.store, ctx.ledger, [SMITH_KEY], imported_by="setup", now=NOW)
    tokens = {}
    for name, (role, agency) in USERS.items():
        _, tokens[name] = add_user(
            ctx.store, name, role, agency=agency, changed_by="setup", now=NOW, ledger=ctx.ledger
        )
    revoke_user(ctx.store, "revoked", changed_by="setup", now=NOW, ledger=ctx.ledger)
    ctx.store.dispose()
    return World(home, settings, master, batch, tokens)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(app: FastAPI) -> Iterator[str]:
    """A real Uvicorn server on a free port, in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upload(batch: BatchFiles) -> dict[str, tuple[str, bytes, str]]:
    return {
        "manifest": ("batch.manifest.json", batch.manifest.read_bytes(), "application/json"),
        "records": (batch.records.name, batch.records.read_bytes(), "text/csv"),
    }


__all__ = [
    "GENEROUS",
    "NOW",
    "OTHER_AGENCY",
    "OWN_AGENCY",
    "USERS",
    "World",
    "bearer",
    "create_app",
    "make_world",
    "running_server",
    "upload",
]
