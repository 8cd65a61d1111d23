"""SIGKILL `ivs run` at ≥ 50 random points; the record and the response come out exactly once."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from ivs.synth import SynthConfig, generate_world

from .crash_harness import IVS, World, harness, ledger_entries, prepare_home, run_to_end

CHUNK = 20


@pytest.fixture(scope="module")
def prepared(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[World, Path, bytes, Counter[str], float, float]:
    root = tmp_path_factory.mktemp("crash")
    config = SynthConfig(taxpayers=2_000, requests=500, seed=11)
    generate_world(root / "world", config)
    world = World(
        manifest=next((root / "world" / "batch").glob("*.manifest.json")),
        master=root / "world" / "master",
        signers=root / "world" / "signers.json",
        records=500,
    )
    template = root / "template"
    prepare_home(world, template, CHUNK)
    clean = root / "clean-home"
    subprocess.run(["cp", "-r", str(template), str(clean)], check=True)
    reference, seconds = run_to_end(world, clean, root / "clean-out", CHUNK)
    disclosures = Counter(
        e["body"]["request_id"] for e in ledger_entries(clean) if e["kind"] == "disclosure"
    )
    # Start-up: the interpreter and the imports of the run command, which answers --help with
    # them (a start-up timed with every command's imports took as long as this whole run).
    started = time.perf_counter()
    subprocess.run([*IVS, "run", "--help"], check=True, capture_output=True)
    startup = time.perf_counter() - started
    return world, template, reference, disclosures, seconds, startup


@pytest.mark.parametrize("seed", [1, 2])
def test_killed_runs_resume_to_the_same_record(
    prepared: tuple[World, Path, bytes, Counter[str], float, float], tmp_path: Path, seed: int
) -> None:
    world, template, reference, disclosures, seconds, startup = prepared
    landed = harness(
        world,
        template,
        tmp_path,
        kills=25,
        per_sequence=5,
        chunk=CHUNK,
        seed=seed,
        reference=reference,
        reference_disclosures=disclosures,
        full_seconds=seconds,
        startup_seconds=startup,
    )
    assert landed >= 25
