"""The crash harness at scale: SIGKILL `ivs run` at many random points of a large batch.

    .venv/bin/python benchmarks/crash_harness.py [--points 1000] [--taxpayers 1000000]
        [--requests 100000] [--per-sequence 20] [--chunk 10000] [--dir DIR]

Generates a synthetic world, runs the batch once uninterrupted for the reference response,
then kills runs at ``--points`` random moments, in sequences of ``--per-sequence`` kills on a
fresh copy of the initialized and indexed $IVS_HOME, finishing each sequence with a run to
the end. After every sequence: the response is byte-identical to the reference, every
request is decided exactly once on the ledger, the disclosures are the reference's, and
`verify` passes (tests/batch/crash_harness.py). Prints the kills that landed and the time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.batch.crash_harness import (
    World,
    harness,
    ledger_entries,
    prepare_home,
    run_to_end,
)

from ivs.synth import SynthConfig, generate_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--taxpayers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--per-sequence", type=int, default=20)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="ivs-crash-"))
    root.mkdir(parents=True, exist_ok=True)
    config = SynthConfig(taxpayers=args.taxpayers, requests=args.requests, seed=args.seed)
    if not (root / "world" / "master").is_dir():
        generate_world(root / "world", config)
    world = World(
        manifest=next((root / "world" / "batch").glob("*.manifest.json")),
        master=root / "world" / "master",
        signers=root / "world" / "signers.json",
        records=args.requests,
    )
    template = root / "template"
    shutil.rmtree(template, ignore_errors=True)
    prepare_home(world, template, args.chunk)
    clean = root / "clean-home"
    shutil.rmtree(clean, ignore_errors=True)
    shutil.copytree(template, clean)
    shutil.rmtree(root / "clean-out", ignore_errors=True)
    reference, seconds = run_to_end(world, clean, root / "clean-out", args.chunk)
    disclosures = Counter(
        e["body"]["request_id"] for e in ledger_entries(clean) if e["kind"] == "disclosure"
    )
    print(f"uninterrupted run: {seconds:.1f}s, {sum(disclosures.values()):,} disclosures")
    started = time.perf_counter()
    landed = harness(
        world,
        template,
        root / "runs",
        kills=args.points,
        per_sequence=args.per_sequence,
        chunk=args.chunk,
        seed=args.seed,
        reference=reference,
        reference_disclosures=disclosures,
        full_seconds=seconds,
        startup_seconds=1.0,
    )
    print(
        f"{landed:,} SIGKILLs at random points, in sequences of {args.per_sequence}: every "
        f"sequence ended with the reference response, each request decided once, verify "
        f"clean ({time.perf_counter() - started:.0f}s)"
    )


if __name__ == "__main__":
    main()
