"""Batches submitted to the service: intake on arrival, the run in the background, status,
and the response for the requester.

A submission is checked by the same intake as ``ivs run`` before it is accepted, so a batch that
fails as a whole is refused at once with every problem listed. An accepted batch becomes a row
of ``service_jobs`` (status ``queued``) and is run by :class:`BatchWorker`, one batch at a time,
with ``run_batch``'s steps written to the row as progress. Jobs still ``queued`` or ``running``
when the service stops are run again when it starts: ``run_batch`` resumes a batch it has seen,
and its ``now`` is the instant of submission, so a rerun decides under the same clock. A job is
run under a lease (``ivs.service.leases``): one worker per batch, the batch's process ends with
the service, and a job found already finished on the record is completed from it (counted as
resumed), never submitted to ``run_batch`` a second time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ivs.batch import use_retaining_allocator
from ivs.batch.intake_step import intake_batch
from ivs.batch.roster import stored_roster
from ivs.batch.run import run_batch
from ivs.batch.status import BatchStatus
from ivs.disclose.safeguards import agency_status
from ivs.domain.errors import (
    BatchQuarantined,
    BatchRejected,
    Conflict,
    InvalidRequest,
    IvsError,
    LedgerError,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
)
from ivs.domain.ids import BatchKey, is_identifier, path_for_id
from ivs.domain.settings import Settings
from ivs.ledger.entries import response_fetched
from ivs.service.context import ServiceContext
from ivs.service.leases import (
    TIED_START,
    end_with_parent,
    new_owner,
    process_alive,
    release_lease,
    renewed,
    take_lease,
    worker_finished,
)
from ivs.service.users import Role, User
from ivs.store import batch_is, batches, open_store, pilot_history
from ivs.store.package_tables import response_packages
from ivs.store.service_tables import service_jobs

__all__ = [
    "BatchWorker",
    "JobStatus",
    "accept_batch",
    "batch_process_main",
    "fetch_response",
    "job_status",
    "list_jobs",
    "rerun_job",
    "run_recorded",
]

log = logging.getLogger("ivs.service")

_PLAIN_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.(csv|jsonl|parquet)$")
_CHUNK = 1 << 20


class JobState:
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class JobStatus:
    """A batch as its requester sees it: where the run is, and what it decided in total."""

    batch_id: str
    agency: str
    status: str
    step: str | None
    steps_done: int
    record_count: int
    submitted_at: str
    started_at: str | None
    finished_at: str | None
    outcomes: dict[str, int]
    released: bool
    error: dict[str, str] | None
    resumed: int = 0  # times its run was taken up again after the service stopped

    def to_json(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "agency": self.agency,
            "status": self.status,
            "step": self.step,
            "steps_done": self.steps_done,
            "record_count": self.record_count,
            "submitted_at": self.submitted_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "outcomes": self.outcomes,
            "released": self.released,
            "error": self.error,
            "resumed": self.resumed,
        }


def _copy_limited(source: BinaryIO, target: Path, limit: int, what: str) -> int:
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > limit:
                raise PayloadTooLarge(
                    f"the {what} is larger than the service accepts ({limit:,} bytes); split "
                    "the batch into smaller signed batches"
                )
            out.write(chunk)
    return written


def _records_name(raw: dict[str, Any], batch_id: str | None) -> str:
    records = raw.get("records")
    name = records.get("file") if isinstance(records, dict) else None
    if not isinstance(name, str) or not _PLAIN_FILE.match(name):
        raise BatchRejected(
            batch_id,
            [
                "records.file must name the uploaded records file by a plain file name "
                "(letters, digits, '.', '_', '-') ending .csv, .jsonl or .parquet; got "
                f"{name!r}"
            ],
        )
    return name


def _read_manifest(source: BinaryIO, limit: int) -> tuple[bytes, dict[str, Any]]:
    data = source.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"the manifest is larger than {limit:,} bytes; it is not a manifest")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        # Not UTF-8, not JSON, nested too deeply, or a number of thousands of digits.
        reason = "nested too deeply" if isinstance(e, RecursionError) else str(e)[:200]
        raise BatchRejected(None, [f"manifest unreadable: not UTF-8 JSON ({reason})"]) from e
    if not isinstance(raw, dict):
        raise BatchRejected(None, ["manifest unreadable: it must hold one JSON object"])
    return data, raw


def _check_fresh(ctx: ServiceContext, batch_id: str, submitted: datetime, now: datetime) -> None:
    """A batch is received within ``submitted_at_max_age_hours`` of its signing, and not from
    the future (beyond ``submitted_at_max_skew_minutes`` of clock skew): an old signed batch
    replayed, or one dated ahead, is refused."""
    settings = ctx.settings
    oldest = now - timedelta(hours=settings.submitted_at_max_age_hours)
    latest = now + timedelta(minutes=settings.submitted_at_max_skew_minutes)
    if submitted < oldest:
        raise BatchRejected(
            batch_id,
            [
                f"submitted_at {submitted.isoformat()} is more than "
                f"{settings.submitted_at_max_age_hours} hours before its receipt "
                f"({now.isoformat(timespec='seconds')}); sign the batch again to submit it"
            ],
        )
    if submitted > latest:
        raise BatchRejected(
            batch_id,
            [
                f"submitted_at {submitted.isoformat()} is after its receipt "
                f"({now.isoformat(timespec='seconds')}); check the signing system's clock"
            ],
        )


def _row(conn: sa.Connection, key: BatchKey) -> Any:
    if not (is_identifier(key.batch_id) and is_identifier(key.agency)):
        return None  # no such batch can exist; PostgreSQL refuses a NUL
    return conn.execute(sa.select(service_jobs).where(batch_is(service_jobs, key))).first()


def accept_batch(
    ctx: ServiceContext, user: User, manifest: BinaryIO, records: BinaryIO
) -> JobStatus:
    """Check a submitted batch as intake does and queue it; raise what intake raises."""
    data, raw = _read_manifest(manifest, ctx.limits.max_manifest_bytes)
    batch_id = raw.get("batch_id") if is_identifier(raw.get("batch_id")) else None
    agency = raw.get("requesting_agency")
    if isinstance(agency, str) and agency != user.agency:
        raise PermissionDenied(
            f"the batch names requesting agency {agency!r}; {user.name} submits for "
            f"{user.agency} only"
        )
    name = _records_name(raw, batch_id)
    folder = ctx.work_dir / "batches" / secrets.token_hex(8)
    for private in (ctx.work_dir, folder.parent, folder):  # uploads are their owner's alone
        private.mkdir(exist_ok=private != folder, mode=0o700)
    try:
        manifest_path = folder / "batch.manifest.json"
        manifest_path.write_bytes(data)
        _copy_limited(records, folder / name, ctx.limits.max_records_bytes, "records file")
        now = ctx.now()
        intake = intake_batch(
            manifest_path,
            stored_roster(ctx.store, required=False),
            ctx.settings,
            pilot_history(ctx.store),
            now=now,
        )
        if intake.quarantined:
            raise BatchQuarantined(
                intake.manifest.batch_id,
                f"batch {intake.manifest.batch_id}: {intake.quarantine_reason}",
            )
        accepted_id = intake.manifest.batch_id
        key = BatchKey(intake.manifest.requesting_agency, accepted_id)
        _check_fresh(ctx, accepted_id, intake.manifest.submitted_at, now)
        # Ids are each agency's own: only a batch of the requester's own agency can use it.
        used = Conflict(
            f"batch id {accepted_id!r} cannot be used: it names a batch your agency already "
            "submitted. A new batch needs a new batch_id"
        )
        with ctx.store.begin() as conn:
            if (
                _row(conn, key) is not None
                or conn.execute(sa.select(batches.c.batch_id).where(batch_is(batches, key))).first()
            ):
                raise used
            conn.execute(
                service_jobs.insert().values(
                    batch_id=accepted_id,
                    agency=intake.manifest.requesting_agency,
                    submitted_by=user.name,
                    manifest_path=str(manifest_path),
                    out_dir=str(folder / "out"),
                    record_count=intake.records.num_rows,
                    status=JobState.QUEUED,
                    step="queued",
                    steps_done=0,
                    submitted_at=now.isoformat(timespec="milliseconds"),
                )
            )
    except IntegrityError as e:  # the same batch submitted twice at once: one is queued
        shutil.rmtree(folder, ignore_errors=True)
        raise used from e
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return job_status(ctx, user, accepted_id)


def _visible(conn: sa.Connection, user: User, batch_id: str, agency: str | None) -> Any:
    """The job of batch ``batch_id`` the user may see. A requester's is its own agency's: it
    never learns whether another agency sent a batch of that id (the same ``NotFound``). Others
    see every agency's; an id that several agencies used needs ``agency``."""
    if user.role is Role.REQUESTER:
        row = None
        if agency in (None, user.agency):
            row = _row(conn, BatchKey(user.agency or "", batch_id))
        if row is None:
            raise NotFound(f"no batch {batch_id!r} submitted by your agency")
        return row
    rows: Sequence[Any] = ()
    if is_identifier(batch_id) and (agency is None or is_identifier(agency)):
        query = sa.select(service_jobs).where(service_jobs.c.batch_id == batch_id)
        if agency is not None:
            query = query.where(service_jobs.c.agency == agency)
        rows = conn.execute(query.order_by(service_jobs.c.agency)).all()
    if not rows:
        of = f" of {agency}" if agency is not None else ""
        raise NotFound(f"no batch {batch_id!r}{of}")
    if len(rows) > 1:
        raise InvalidRequest(
            f"batch id {batch_id!r} names batches of {len(rows)} agencies "
            f"({', '.join(r.agency for r in rows)}); each agency's batch ids are its own. Say "
            "which batch with ?agency=CODE"
        )
    return rows[0]


def _key(row: Any) -> BatchKey:
    return BatchKey(row.agency, row.batch_id)


def _status(row: Any, batch: Any) -> JobStatus:
    released = bool(
        batch is not None
        and batch.status == BatchStatus.COMPLETED
        and batch.response_sha256 is not None
    )
    status = row.status
    if status == JobState.COMPLETED and batch is not None and not released:
        status = str(batch.status)  # e.g. withheld: decided, but not to be sent
    error = {"type": row.error_type, "message": row.error_message or ""} if row.error_type else None
    return JobStatus(
        batch_id=row.batch_id,
        agency=row.agency,
        status=status,
        step=row.step,
        steps_done=int(row.steps_done),
        record_count=int(row.record_count),
        submitted_at=row.submitted_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        outcomes=json.loads(row.outcomes) if row.outcomes else {},
        released=released,
        error=error,
        resumed=int(row.resumed or 0),
    )


def _batch(conn: sa.Connection, key: BatchKey) -> Any:
    return conn.execute(sa.select(batches).where(batch_is(batches, key))).first()


def job_status(
    ctx: ServiceContext, user: User, batch_id: str, agency: str | None = None
) -> JobStatus:
    with ctx.store.connect() as conn:
        row = _visible(conn, user, batch_id, agency)
        return _status(row, _batch(conn, _key(row)))


def list_jobs(ctx: ServiceContext, user: User, *, limit: int = 100) -> list[JobStatus]:
    """The latest batches the user may see (a requester: its agency's), newest first."""
    query = sa.select(service_jobs).order_by(service_jobs.c.submitted_at.desc()).limit(limit)
    if user.role is Role.REQUESTER:
        query = query.where(service_jobs.c.agency == user.agency)
    with ctx.store.connect() as conn:
        rows = conn.execute(query).all()
        found = {
            BatchKey(b.requesting_agency, b.batch_id): b
            for b in conn.execute(
                sa.select(batches).where(batches.c.batch_id.in_([r.batch_id for r in rows]))
            )
        }
    return [_status(r, found.get(_key(r))) for r in rows]


def rerun_job(
    ctx: ServiceContext, user: User, batch_id: str, agency: str | None = None
) -> JobStatus:
    """Queue a withheld or failed batch again (the caller hands it to the worker: the batch's
    ``agency`` and id are in the answer)."""
    with ctx.store.begin() as conn:
        row = _visible(conn, user, batch_id, agency)
        key = _key(row)
        status = _status(row, _batch(conn, key))
        if status.status in (JobState.QUEUED, JobState.RUNNING):
            raise Conflict(f"batch {batch_id} is already {status.status}")
        if status.released:
            raise Conflict(f"batch {batch_id} is completed and released; nothing to run again")
        conn.execute(
            service_jobs.update()
            .where(batch_is(service_jobs, key))
            .values(status=JobState.QUEUED, step="queued again", finished_at=None)
        )
    return job_status(ctx, user, batch_id, key.agency)


def fetch_response(
    ctx: ServiceContext, user: User, batch_id: str, agency: str | None = None
) -> bytes:
    """The released response package's bytes, the fetch (with the package's digest) recorded
    on the ledger first."""
    with ctx.store.connect() as conn:
        row = _visible(conn, user, batch_id, agency)
        batch = _batch(conn, _key(row))
        package = conn.execute(
            sa.select(response_packages)
            .where(batch_is(response_packages, _key(row)))
            .where(response_packages.c.number == 0)
        ).first()
    status = _status(row, batch)
    if not status.released:
        raise Conflict(
            f"batch {batch_id} has no released response (status {status.status}); poll "
            f"GET /v1/batches/{batch_id} until it says released"
        )
    if package is None:
        raise NotFound(
            f"batch {batch_id} was answered without a response package (in plaintext, by the "
            "operator's choice): there is nothing the service may send"
        )
    path = Path(package.path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise NotFound(f"the response package of batch {batch_id} is missing from {path}") from e
    digest = hashlib.sha256(data).hexdigest()
    if digest != package.package_sha256:
        raise LedgerError(
            f"the response package of batch {batch_id} no longer matches the digest recorded "
            "when it was written; it is not sent. Report this to the administrator."
        )
    ctx.ledger.append(
        [
            response_fetched(
                at=ctx.now(),
                batch_id=batch_id,
                user=user.name,
                agency=row.agency,
                package_sha256=digest,
            )
        ]
    )
    return data


class BatchWorker:
    """Runs accepted batches one at a time on a background thread."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._owner = new_owner()
        self._queue: queue.Queue[BatchKey | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.idle = threading.Event()
        self.idle.set()

    def start(self) -> int:
        """Start the thread and queue every job left queued or running; returns how many."""
        with self._ctx.store.connect() as conn:
            pending = conn.execute(
                sa.select(service_jobs.c.agency, service_jobs.c.batch_id)
                .where(service_jobs.c.status.in_([JobState.QUEUED, JobState.RUNNING]))
                .order_by(service_jobs.c.submitted_at)
            ).all()
        for agency, batch_id in pending:
            self.submit(BatchKey(agency, batch_id))
        self._thread = threading.Thread(target=self._loop, name="ivs-batch-worker", daemon=True)
        self._thread.start()
        return len(pending)

    def submit(self, key: BatchKey) -> None:
        self.idle.clear()
        self._queue.put(key)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end after the batch it is running (which resumes on restart)."""
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
        worker_finished(self._owner)

    def _loop(self) -> None:
        while True:
            key = self._queue.get()
            if key is None:
                return
            try:
                self.run_job(key)
            finally:
                if self._queue.empty():
                    self.idle.set()

    def _update(self, key: BatchKey, **values: Any) -> None:
        with self._ctx.store.begin() as conn:
            conn.execute(service_jobs.update().where(batch_is(service_jobs, key)).values(**values))

    def run_job(self, key: BatchKey) -> None:
        """Run one batch in a child process, under the job's lease, and record how it ended.

        A process of its own keeps the batch's work off the interpreter that answers
        requests (status polls stay quick while a batch runs) and keeps a crash in the
        engine from taking the service down; the child records its progress in the store.
        """
        ctx = self._ctx
        row = take_lease(ctx.store, key, self._owner)
        if row is None:
            return
        try:
            self._run_leased(row)
        finally:
            release_lease(ctx.store, key, self._owner)

    def _run_leased(self, row: Any) -> None:
        ctx = self._ctx
        key = _key(row)
        resumed = row.status == JobState.RUNNING  # started before, by a service now gone
        now = ctx.now().isoformat(timespec="milliseconds")
        if resumed:
            _wait_for_exit(row.worker_pid)
            outcomes = _finished_on_record(ctx, row)
            if outcomes is not None:
                # The run had finished before the interruption: nothing is run again.
                self._update(
                    key,
                    status=JobState.COMPLETED,
                    step="completed",
                    finished_at=now,
                    outcomes=json.dumps(outcomes, sort_keys=True),
                    resumed=service_jobs.c.resumed + 1,
                    worker_pid=None,
                )
                return
        self._update(
            key,
            status=JobState.RUNNING,
            error_type=None,
            error_message=None,
            **(
                {"resumed": service_jobs.c.resumed + 1, "step": "resumed after an interruption"}
                if resumed
                else {"started_at": now}
            ),
        )
        with renewed(ctx.store, key, self._owner):
            if ctx.batch_processes:
                code = self._run_child(key)
            else:
                code = run_recorded(ctx.settings, ctx.store, key, ctx.master, ctx.model_path)
        finished = ctx.now().isoformat(timespec="milliseconds")
        if code == 0:
            self._update(key, status=JobState.COMPLETED, step="completed", finished_at=finished)
        elif code == _REFUSED:
            self._update(key, status=JobState.FAILED, step="failed", finished_at=finished)
        else:
            log.error("batch %r of %r: its run ended with code %s", key.batch_id, key.agency, code)
            self._update(
                key,
                status=JobState.FAILED,
                step="failed",
                finished_at=finished,
                error_type="InternalError",
                error_message="the run stopped on an internal error; an administrator can "
                "find it in the service log and run the batch again",
            )

    def _run_child(self, key: BatchKey) -> int:
        """The batch in a fresh interpreter tied to this service from its first instructions
        (``leases.TIED_START``): it ends when the service ends or dies, and a restart
        resumes the batch. Its arguments go through its standard input."""
        ctx = self._ctx
        arguments = {
            "settings": ctx.settings.model_dump(mode="json"),
            "agency": key.agency,
            "batch_id": key.batch_id,
            "master": str(ctx.master),
            "model_path": None if ctx.model_path is None else str(ctx.model_path),
        }
        child = subprocess.Popen(
            [sys.executable, "-c", TIED_START, str(os.getpid())], stdin=subprocess.PIPE
        )
        self._update(key, worker_pid=child.pid)
        child.communicate(json.dumps(arguments).encode("utf-8"))
        return child.returncode


def _wait_for_exit(pid: int | None, timeout: float = 30.0) -> None:
    """Wait for a batch process left by a service that died (it ends itself within a second;
    the bound keeps a reused process id from holding the job)."""
    deadline = time.monotonic() + timeout
    while pid is not None and process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def _finished_on_record(ctx: ServiceContext, row: Any) -> dict[str, int] | None:
    """A job's outcomes when its run finished on the record before the service that ran it
    stopped: released, or withheld with its agency still barred (once the agency is cleared,
    running it again is what releases it). None when it is still to be run or resumed."""
    with ctx.store.connect() as conn:
        batch = _batch(conn, _key(row))
        finished = batch is not None and (
            batch.status == BatchStatus.COMPLETED
            or (
                batch.status == BatchStatus.WITHHELD and not agency_status(conn, row.agency).cleared
            )
        )
    if not finished or not is_identifier(row.batch_id):
        return None
    decisions = path_for_id(Path(row.out_dir), row.batch_id, ".decisions.parquet")
    if not decisions.exists():
        return None
    outcome = pq.read_table(decisions, columns=["outcome"]).column("outcome")
    return {str(r["values"]): int(r["counts"]) for r in pc.value_counts(outcome).to_pylist()}


_REFUSED = 3


def run_recorded(
    settings: Settings, store: sa.Engine, key: BatchKey, master: Path, model_path: Path | None
) -> int:
    """``run_batch`` on a job, its progress and outcome written to the job's row; returns 0
    when done, 3 when the run refused the batch (the error recorded), 1 on an internal error."""

    def update(**values: Any) -> None:
        with store.begin() as conn:
            conn.execute(service_jobs.update().where(batch_is(service_jobs, key)).values(**values))

    with store.connect() as conn:
        row = _row(conn, key)
    try:
        result = run_batch(
            Path(row.manifest_path),
            master,
            stored_roster(store, required=False),
            settings,
            Path(row.out_dir),
            now=datetime.fromisoformat(row.submitted_at),
            model_path=model_path,
            step=lambda label: update(step=label[:200], steps_done=service_jobs.c.steps_done + 1),
        )
    except IvsError as e:
        log.warning(
            "batch %r of %r refused by the run: %s", key.batch_id, key.agency, type(e).__name__
        )
        update(error_type=type(e).__name__, error_message=e.message)
        return _REFUSED
    except Exception as e:
        # The message may quote data; the log gets the class only.
        log.error(
            "batch %r of %r stopped by an internal error: %s",
            key.batch_id,
            key.agency,
            type(e).__name__,
        )
        return 1
    update(outcomes=json.dumps(result.outcomes, sort_keys=True))
    return 0


def batch_process_main(parent: int) -> None:
    """The batch's own process (``leases.TIED_START``): the arguments from standard input,
    :func:`run_recorded`, its result as the exit code; it ends when the service ``parent``
    does."""
    end_with_parent(parent)
    use_retaining_allocator()
    arguments = json.loads(sys.stdin.buffer.read())
    settings = Settings(**arguments["settings"])
    model_path = arguments["model_path"]
    sys.exit(
        run_recorded(
            settings,
            open_store(settings),
            BatchKey(arguments["agency"], arguments["batch_id"]),
            Path(arguments["master"]),
            None if model_path is None else Path(model_path),
        )
    )
