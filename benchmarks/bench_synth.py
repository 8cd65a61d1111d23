"""Wall time and peak memory of ``ivs synth`` at a given size, run in a child process.

    .venv/bin/python benchmarks/bench_synth.py --taxpayers 1000000 --requests 100000
    .venv/bin/python benchmarks/bench_synth.py --taxpayers 10000000 --requests 1280000

Peak RSS is the child's maximum resident set size (``resource.getrusage(RUSAGE_CHILDREN)``);
the world is written to a temporary folder (or ``--out``) and its size on disk is reported.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run(taxpayers: int, requests: int, seed: int, out: Path) -> dict[str, float]:
    command = [
        str(Path(sys.executable).parent / "ivs"),
        "synth",
        str(out),
        "--taxpayers",
        str(taxpayers),
        "--requests",
        str(requests),
        "--seed",
        str(seed),
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall_s": wall, "peak_rss_mib": peak_kib / 1024, "bytes_on_disk": _size(out)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxpayers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="keep the world here")
    args = parser.parse_args()
    if args.out is not None:
        result = run(args.taxpayers, args.requests, args.seed, args.out)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
            result = run(args.taxpayers, args.requests, args.seed, Path(tmp) / "world")
    print(
        f"ivs synth --taxpayers {args.taxpayers} --requests {args.requests} --seed {args.seed}: "
        f"wall {result['wall_s']:.1f} s, peak RSS {result['peak_rss_mib']:.0f} MiB, "
        f"{result['bytes_on_disk'] / 2**20:.0f} MiB on disk"
    )


if __name__ == "__main__":
    main()
