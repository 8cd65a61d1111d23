"""A crash that leaves no trace (issue 22, defect 3): `kill -9` of a real `ivs serve` while a
batch runs ends the batch's own process too; the restarted service takes the job up again
once, records it as resumed, and the ledger holds no duplicate submission."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from ivs.service import create_app
from ivs.service.leases import process_alive
from ivs.store.ledger_tables import ledger_entries
from ivs.store.service_tables import service_jobs

from .world import World, bearer, free_port, make_world, upload

pytestmark = pytest.mark.xdist_group("service-crash")


def _serve(world: World, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "IVS_HOME": str(world.home),
        # The test batch is dated 2025-06-27; this service runs on the real clock.
        "IVS_SUBMITTED_AT_MAX_AGE_HOURS": "1000000",
    }
    ivs = str(Path(sys.executable).parent / "ivs")
    server = subprocess.Popen(
        [ivs, "serve", "--master", str(world.master), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("ivs serve did not start")


def _job(world: World) -> Any:
    engine = sa.create_engine(f"sqlite:///{world.home / 'ivs.sqlite3'}")
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(service_jobs)).first()
    finally:
        engine.dispose()


def _kinds(world: World) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{world.home / 'ivs.sqlite3'}")
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(ledger_entries.c.kind)).scalars())
    finally:
        engine.dispose()


def _wait(what: str, condition: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.02)
    raise AssertionError(f"waited {timeout}s for {what}")


def test_kill_9_of_the_service_ends_its_batch_and_the_restart_resumes_it_once(
    tmp_path: Path,
) -> None:
    world = make_world(tmp_path, review_band=False)
    requester = bearer(world.tokens["requester"])
    port = free_port()
    server = _serve(world, port)
    base = f"http://127.0.0.1:{port}"
    lock: sqlite3.Connection | None = None
    try:
        accepted = httpx.post(
            f"{base}/v1/batches", files=upload(world.batch), headers=requester, timeout=60
        )
        assert accepted.status_code == 202, accepted.text
        worker = _wait(
            "the batch's process", lambda: (_job(world) or None) and _job(world).worker_pid
        )
        # The store held still: the batch's process stops at its next write, mid-run.
        lock = sqlite3.connect(world.home / "ivs.sqlite3", timeout=30, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        assert process_alive(worker)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        # The batch's process dies with the service that started it.
        # (Measured: 0.15-0.2 s; the bound leaves room for a loaded machine.)
        _wait("the batch's process to end", lambda: not process_alive(worker), timeout=3)
        lock.execute("ROLLBACK")
        lock.close()
        lock = None
        job = _job(world)
        assert job.status == "running"  # as the crash left it
        server = _serve(world, port)
        status = _wait(
            "the resumed batch",
            lambda: (
                s
                if (
                    s := httpx.get(
                        f"{base}/v1/batches/TEST-2025-06-27-A", headers=requester, timeout=30
                    ).json()
                )["status"]
                not in ("queued", "running")
                else None
            ),
            timeout=180,
        )
        assert status["status"] == "completed", status
        assert status["released"] is True
        assert status["resumed"] == 1
        fetched = httpx.get(
            f"{base}/v1/batches/TEST-2025-06-27-A/response", headers=requester, timeout=30
        )
        assert fetched.status_code == 200
    finally:
        if lock is not None:
            lock.close()
        server.kill()
        server.wait(10)
    kinds = _kinds(world)
    assert "duplicate_submission" not in kinds
    assert kinds.count("batch_received") == 1
    assert kinds.count("batch_completed") == 1
    # Every file of the service is its owner's alone.
    assert stat.S_IMODE(world.home.stat().st_mode) == 0o700
    responses = list(world.home.rglob("*.package.zip"))
    assert responses
    for path in [world.home / "ivs.sqlite3", *responses, *world.home.rglob("*.parquet")]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_a_job_finished_on_the_record_is_completed_from_it_not_run_again(
    tmp_path: Path,
) -> None:
    """The service died after the batch's run finished but before the job said so."""
    world = make_world(tmp_path, review_band=False)
    with TestClient(create_app(world.context())) as client:
        accepted = client.post(
            "/v1/batches", files=upload(world.batch), headers=bearer(world.tokens["requester"])
        )
        assert accepted.status_code == 202
        client.app.state.worker.idle.wait(120)  # type: ignore[attr-defined]
    ctx = world.context()
    with ctx.store.begin() as conn:
        conn.execute(
            service_jobs.update().values(
                status="running", step="writing decisions and response", outcomes=None
            )
        )
    before = _kinds(world)
    with TestClient(create_app(world.context())) as client:
        client.app.state.worker.idle.wait(120)  # type: ignore[attr-defined]
        _wait(
            "the job to complete",
            lambda: (
                client.get(
                    "/v1/batches/TEST-2025-06-27-A", headers=bearer(world.tokens["requester"])
                ).json()["status"]
                == "completed"
            ),
        )
        status = client.get(
            "/v1/batches/TEST-2025-06-27-A", headers=bearer(world.tokens["requester"])
        ).json()
    assert status["resumed"] == 1
    assert sum(status["outcomes"].values()) == status["record_count"]
    assert _kinds(world) == before  # nothing recorded: no duplicate submission
