"""The service under load: many clients polling a batch's status while the batch runs.

    .venv/bin/ivs synth /tmp/wsvc --taxpayers 1000000 --requests 100000 --seed 7
    flock /work/bench.lock .venv/bin/python benchmarks/bench_service.py /tmp/wsvc --clients 50

For each way of running batches (``--modes``: a process per batch, or the service's worker
thread) the same signed batch runs through a fresh `ivs serve` (its own $IVS_HOME, the index
built beforehand, so every run matches against a ready index): once watched by one client
polling every second, then once per ``--pauses`` value by ``--clients`` clients, each with its
own token, polling with that many seconds between polls (0: as fast as answered). Reports the
batch's run time (from the service's own started/finished stamps), its slowdown against the
quiet run, and the latency of the status polls (p50, p99, max).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ivs.batch.index_step import ensure_index
from ivs.batch.roster import import_roster
from ivs.domain.settings import load_settings
from ivs.formats import read_signers
from ivs.ledger.keys import create_ledger_key, ledger_key_path
from ivs.service import open_context
from ivs.service.users import add_user
from ivs.store import close_stores


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(world: Path, home: Path, clients: int) -> list[str]:
    shutil.rmtree(home, ignore_errors=True)
    close_stores()  # an engine kept for this home's old store file would miss the new one
    settings = load_settings(home=home)
    create_ledger_key(ledger_key_path(settings))
    ensure_index(world / "master", settings)
    ctx = open_context(settings, world / "master")
    now = datetime.now(UTC)
    import_roster(
        ctx.store,
        read_signers(world / "signers.json"),
        changed_by="bench",
        now=now,
        ledger=ctx.ledger,
    )
    tokens = []
    for i in range(clients):
        _, token = add_user(
            ctx.store,
            f"poller-{i}",
            "requester",
            agency=_agency(world),
            changed_by="bench",
            now=now,
            ledger=ctx.ledger,
        )
        tokens.append(token)
    ctx.store.dispose()
    return tokens


def _agency(world: Path) -> str:
    manifest = next((world / "batch").glob("*.manifest.json"))
    return str(json.loads(manifest.read_text(encoding="utf-8"))["requesting_agency"])


def _serve(world: Path, home: Path, port: int, mode: str) -> subprocess.Popen[bytes]:
    ivs = str(Path(sys.executable).parent / "ivs")
    # The synthetic batch is dated when the world was generated: no freshness window here.
    env = {**os.environ, "IVS_HOME": str(home), "IVS_SUBMITTED_AT_MAX_AGE_HOURS": "1000000"}
    server = subprocess.Popen(
        [
            ivs,
            "serve",
            "--master",
            str(world / "master"),
            "--port",
            str(port),
            "--rate-limit",
            "100000",
            f"--batch-{mode}",
        ],
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
            time.sleep(0.2)
    server.terminate()
    sys.exit("the service did not start")


async def _poll(
    base: str, url: str, token: str, *, pause: float, latencies: list[float], errors: list[int]
) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while True:
            started = time.perf_counter()
            response = await client.get(url, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                errors.append(response.status_code)
            else:
                status: dict[str, object] = response.json()
                if status["status"] not in ("queued", "running"):
                    return status
            await asyncio.sleep(pause)


def _run(world: Path, home: Path, clients: int, pause: float, mode: str) -> dict[str, float]:
    tokens = _prepare(world, home, max(clients, 1))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(world, home, port, mode)
    try:
        manifest = next((world / "batch").glob("*.manifest.json"))
        records = next(p for p in (world / "batch").iterdir() if ".records." in p.name)
        submitted = time.perf_counter()
        with manifest.open("rb") as m, records.open("rb") as r:
            accepted = httpx.post(
                f"{base}/v1/batches",
                files={"manifest": (manifest.name, m), "records": (records.name, r)},
                headers={"Authorization": f"Bearer {tokens[0]}"},
                timeout=600,
            )
        intake_seconds = time.perf_counter() - submitted
        if accepted.status_code != 202:
            sys.exit(f"submission refused: {accepted.status_code} {accepted.text[:500]}")
        url = accepted.json()["status_url"]
        latencies: list[float] = []
        errors: list[int] = []

        async def everyone() -> list[dict[str, object]]:
            return await asyncio.gather(
                *(
                    _poll(base, url, t, pause=pause, latencies=latencies, errors=errors)
                    for t in tokens[:clients]
                )
            )

        final = asyncio.run(everyone())[0]
    finally:
        server.terminate()
        server.wait(30)
    if final["status"] != "completed":
        sys.exit(f"the batch ended {final['status']}: {final.get('error')}")
    run_seconds = (
        datetime.fromisoformat(str(final["finished_at"]))
        - datetime.fromisoformat(str(final["started_at"]))
    ).total_seconds()
    ordered = sorted(latencies)
    return {
        "intake_seconds": intake_seconds,
        "run_seconds": run_seconds,
        "polls": len(latencies),
        "errors": len(errors),
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "max_ms": 1000 * ordered[-1],
        "records": float(str(final["record_count"])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("world", type=Path, help="a folder written by ivs synth")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--pauses",
        type=float,
        nargs="+",
        default=[1.0, 0.0],
        help="seconds between one client's polls, one loaded run for each",
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        default=["processes", "threads"],
        choices=["processes", "threads"],
        help="how the service runs batches (ivs serve --batch-processes/--batch-threads)",
    )
    args = parser.parse_args()
    world: Path = args.world.resolve()
    for mode in args.modes:
        quiet = _run(world, world / "svc-quiet", 1, 1.0, mode)
        print(
            f"batches run in {mode} (ivs serve --batch-{mode}), {int(quiet['records']):,} records"
        )
        print(
            f"  quiet (1 client polling each second): submission (intake, synchronous) "
            f"{quiet['intake_seconds']:.1f} s, batch run {quiet['run_seconds']:.1f} s"
        )
        for pause in args.pauses:
            loaded = _run(world, world / "svc-loaded", args.clients, pause, mode)
            slowdown = loaded["run_seconds"] / quiet["run_seconds"] - 1
            seconds = loaded["run_seconds"]
            print(
                f"  {args.clients} clients polling, {pause} s between polls: submission "
                f"{loaded['intake_seconds']:.1f} s, batch run {seconds:.1f} s "
                f"(slowdown {slowdown:+.1%}); {int(loaded['polls']):,} polls "
                f"({loaded['polls'] / max(seconds, 1e-9):.0f}/s), errors {int(loaded['errors'])}, "
                f"p50 {loaded['p50_ms']:.1f} ms, p99 {loaded['p99_ms']:.1f} ms, "
                f"max {loaded['max_ms']:.1f} ms"
            )


if __name__ == "__main__":
    main()
