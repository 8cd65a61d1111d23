"""Kill ``ivs run`` with SIGKILL at random moments, run it again, and check the record.

After any number of kills, the same command run to the end must give: the response of an
uninterrupted run, byte for byte (opened from its package with a recipient's key: encryption is
randomised, so packages differ); every request decided exactly once on the ledger (no
duplicate, none missing); exactly the disclosures of the uninterrupted run; ``verify`` clean.
Used by the test suite (≥ 50 kill points) and by ``benchmarks/crash_harness.py`` (1,000).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

from ivs.disclose.package_check import open_package, read_identities
from ivs.domain.settings import load_settings
from ivs.ledger.keys import open_ledger

# The installed `ivs` script, beside the interpreter running the tests.
IVS = [str(Path(sys.executable).with_name("ivs"))]


@dataclass(frozen=True, slots=True)
class World:
    manifest: Path
    master: Path
    signers: Path
    records: int


def _env(home: Path, chunk: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVS_")}
    env["IVS_HOME"] = str(home)
    env["IVS_COMMIT_CHUNK_RECORDS"] = str(chunk)
    return env


def _command(world: World, out: Path) -> list[str]:
    return [
        *IVS,
        "run",
        str(world.manifest),
        "--master",
        str(world.master),
        "--signers",
        str(world.signers),
        "--out",
        str(out),
    ]


def prepare_home(world: World, home: Path, chunk: int) -> None:
    """`ivs init`, the recipients' keys (secret halves in HOME/recipient-keys, so that every
    copy of the home has them) and `ivs index`: state every run of the harness starts from."""
    keys, recipients = home / "recipient-keys", home / "recipients.json"
    for args in (
        ["init"],
        [
            "recipients",
            "keygen",
            str(world.manifest),
            "--keys",
            str(keys),
            "--out",
            str(recipients),
        ],
        ["recipients", "import", str(recipients)],
        ["index", str(world.master)],
    ):
        subprocess.run([*IVS, *args], env=_env(home, chunk), check=True, capture_output=True)


def run_to_end(world: World, home: Path, out: Path, chunk: int) -> tuple[bytes, float]:
    """The run finished; the response it sent, opened with a recipient's key."""
    started = time.perf_counter()
    done = subprocess.run(
        _command(world, out), env=_env(home, chunk), capture_output=True, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"ivs run failed ({done.returncode}): {done.stderr.decode()}")
    package = next(out.glob("*.package.zip"))
    key = next((home / "recipient-keys").glob("*.agekey"))
    _, response = open_package(package.read_bytes(), read_identities(key))
    return response, time.perf_counter() - started


def kill_once(world: World, home: Path, out: Path, chunk: int, after: float) -> bool:
    """Start the run and SIGKILL it after ``after`` seconds; False if it finished first."""
    process = subprocess.Popen(
        _command(world, out),
        env=_env(home, chunk),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        process.wait(timeout=after)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


def ledger_entries(home: Path) -> list[dict[str, Any]]:
    ledger = open_ledger(load_settings(home=home))
    exported = StringIO()
    ledger.export_jsonl(exported)
    ledger.store.dispose()
    return [json.loads(json.loads(line)["entry"]) for line in exported.getvalue().splitlines()]


def check_record(world: World, home: Path, reference_disclosures: Counter[str]) -> None:
    ledger = open_ledger(load_settings(home=home))
    report = ledger.verify()
    ledger.store.dispose()
    assert report.ok, report.problem
    entries = ledger_entries(home)
    decided = Counter(e["body"]["request_id"] for e in entries if e["kind"] == "record_decision")
    assert len(decided) == world.records, f"{len(decided)} of {world.records} decided"
    assert set(decided.values()) == {1}, "a request was decided more than once"
    disclosed = Counter(e["body"]["request_id"] for e in entries if e["kind"] == "disclosure")
    assert disclosed == reference_disclosures
    kinds = Counter(e["kind"] for e in entries)
    assert kinds["batch_received"] == 1
    assert kinds["batch_completed"] == 1


def harness(
    world: World,
    template: Path,
    work: Path,
    *,
    kills: int,
    per_sequence: int,
    chunk: int,
    seed: int,
    reference: bytes,
    reference_disclosures: Counter[str],
    full_seconds: float,
    startup_seconds: float,
) -> int:
    """Kill runs ``kills`` times in sequences of ``per_sequence`` on fresh copies of
    ``template``; returns how many kills landed before the run finished."""
    rng = random.Random(seed)
    landed, sequence = 0, 0
    while landed < kills:
        if sequence >= 4 * kills:
            raise AssertionError(
                f"only {landed} of {kills} kills landed in {sequence} sequences: the run ends "
                "before its start-up is over, so the kill window is empty"
            )
        home, out = work / f"home-{sequence}", work / f"out-{sequence}"
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(template, home)
        for _ in range(min(per_sequence, kills - landed)):
            # From the end of start-up (imports) to a little past an uninterrupted run.
            after = rng.uniform(startup_seconds, full_seconds * 1.05)
            if not kill_once(world, home, out, chunk, after):
                break  # the run finished: further kills would only meet a finished batch
            landed += 1
        response, _ = run_to_end(world, home, out, chunk)
        assert response == reference, f"sequence {sequence}: the response differs"
        check_record(world, home, reference_disclosures)
        shutil.rmtree(home)
        shutil.rmtree(out)
        sequence += 1
    return landed
