"""One worker per batch: the lease a service process holds on a job while it runs it, and the
tie that ends a batch's own process with the service that started it.

A lease names its holder (``host:pid:nonce``) and an expiry, renewed while the job runs. A job
is taken only when it has no holder or its holder is gone: on this host, a process that no
longer exists (or a worker of this process that has stopped); elsewhere, a lease not renewed
in time. The batch's process is tied to the service: on Linux the kernel kills it when the
service dies (``prctl(PR_SET_PDEATHSIG)``), and everywhere it watches its parent and ends when
the parent is gone, so a ``kill -9`` of the service leaves no batch running on its own.
"""

from __future__ import annotations

import ctypes
import logging
import os
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ivs.domain.ids import BatchKey
from ivs.store import batch_is
from ivs.store.service_tables import service_jobs

__all__ = [
    "LEASE_SECONDS",
    "TIED_START",
    "end_with_parent",
    "holder_gone",
    "new_owner",
    "process_alive",
    "release_lease",
    "renewed",
    "take_lease",
    "worker_finished",
]

log = logging.getLogger("ivs.service")

LEASE_SECONDS = 60
_RENEW_SECONDS = 15
_HOST = socket.gethostname()[:100]
# Owners of this process's workers that are running now (a stopped worker's leases are free).
_LIVE: set[str] = set()
_LIVE_LOCK = threading.Lock()


def new_owner() -> str:
    """A worker's name on leases: this host, this process, and a nonce of the worker."""
    owner = f"{_HOST}:{os.getpid()}:{secrets.token_hex(4)}"
    with _LIVE_LOCK:
        _LIVE.add(owner)
    return owner


def worker_finished(owner: str) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(owner)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and has not ended (a zombie, ended but not yet reaped
    by its new parent, counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    try:
        # /proc/PID/stat: "pid (name) state ..."; the name may hold spaces and parentheses.
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc here: the signal's answer stands
    return state not in ("Z", "X")


def _wall() -> datetime:
    # Leases follow the real clock, whatever clock the service decides batches under.
    return datetime.now(UTC)


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def holder_gone(owner: str | None, expires_at: str | None) -> bool:
    """Whether a job's lease holder can no longer be running it."""
    if owner is None:
        return True
    host, _, rest = owner.partition(":")
    pid_text, _, _nonce = rest.partition(":")
    if host == _HOST and pid_text.isdigit():
        if int(pid_text) == os.getpid():
            with _LIVE_LOCK:
                return owner not in _LIVE
        return not process_alive(int(pid_text))
    return expires_at is None or datetime.fromisoformat(expires_at) < _wall()


def take_lease(engine: sa.Engine, key: BatchKey, owner: str) -> Any:
    """The job's row once ``owner`` holds its lease, or None when another live worker does
    (or the job is no longer queued or running)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(service_jobs).where(batch_is(service_jobs, key))).first()
    if row is None or row.status not in ("queued", "running"):
        return None
    if row.lease_owner != owner and not holder_gone(row.lease_owner, row.lease_expires_at):
        log.warning(
            "batch %r of %r is run by %s, which holds its lease; left to it",
            key.batch_id,
            key.agency,
            row.lease_owner,
        )
        return None
    held = (
        service_jobs.c.lease_owner.is_(None)
        if row.lease_owner is None
        else service_jobs.c.lease_owner == row.lease_owner
    )
    with engine.begin() as conn:
        taken = conn.execute(
            service_jobs.update()
            .where(batch_is(service_jobs, key))
            .where(held)  # compare and swap: of two services, one takes it
            .values(
                lease_owner=owner,
                lease_expires_at=_stamp(_wall() + timedelta(seconds=LEASE_SECONDS)),
            )
        ).rowcount
    return row if taken == 1 else None


def _renew(engine: sa.Engine, key: BatchKey, owner: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            service_jobs.update()
            .where(batch_is(service_jobs, key))
            .where(service_jobs.c.lease_owner == owner)
            .values(lease_expires_at=_stamp(_wall() + timedelta(seconds=LEASE_SECONDS)))
        )


@contextmanager
def renewed(engine: sa.Engine, key: BatchKey, owner: str) -> Iterator[None]:
    """Keep renewing ``owner``'s lease on the job while the block runs."""
    done = threading.Event()

    def renew() -> None:
        while not done.wait(_RENEW_SECONDS):
            try:
                _renew(engine, key, owner)
            except sa.exc.SQLAlchemyError as e:  # a busy store: the next renewal tries again
                log.warning(
                    "lease of batch %r of %r not renewed: %s",
                    key.batch_id,
                    key.agency,
                    type(e).__name__,
                )

    thread = threading.Thread(target=renew, name="ivs-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(5)


def release_lease(engine: sa.Engine, key: BatchKey, owner: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            service_jobs.update()
            .where(batch_is(service_jobs, key))
            .where(service_jobs.c.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None, worker_pid=None)
        )


def _watch(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            # The service is gone: stop at once, as a crash would; a restart resumes the batch.
            os._exit(70)


# The batch process's first instructions, before any import of ours: tie it to the service,
# then check the service did not die before the tie was made (its parent would have changed).
TIED_START = """\
import os, sys
parent = int(sys.argv[1])
if sys.platform.startswith("linux"):
    import ctypes, signal
    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
if os.getppid() != parent:
    sys.exit(70)
from ivs.service.jobs import batch_process_main
batch_process_main(parent)
"""


def end_with_parent(parent: int) -> None:
    """In a batch's own process: it ends when the service ``parent`` ends (the kernel's
    signal on Linux, set again here, and a watch of the parent everywhere)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the tie was made
        os._exit(70)
    threading.Thread(target=_watch, args=(parent,), name="ivs-parent-watch", daemon=True).start()
