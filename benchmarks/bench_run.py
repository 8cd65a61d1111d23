"""Speed and memory of ``ivs index`` and ``ivs run`` on a synthetic world.

    .venv/bin/ivs synth /tmp/w10m --taxpayers 10000000 --requests 1280000 --seed 5
    .venv/bin/python benchmarks/bench_run.py /tmp/w10m

Each command runs in its own process under /usr/bin/time -v (wall time, peak RSS); the
per-stage times come from ``ivs run``'s own summary. The home (``WORLD/bench-home``) is made
new with ``ivs init`` and the index built fresh in it, so the run measures matching against an
indexed master, as a production batch would.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    result = subprocess.run(
        ["/usr/bin/time", "-v", *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"{args[1]} failed:\n{result.stdout}\n{result.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    if wall is None or rss is None:
        sys.exit(f"no timing from /usr/bin/time:\n{result.stderr}")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in wall.groups())
    return hours * 3600 + minutes * 60 + seconds, int(rss.group(1)) / 1024 / 1024, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("world", type=Path, help="a folder written by ivs synth")
    args = parser.parse_args()
    world: Path = args.world.resolve()
    home = world / "bench-home"
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "IVS_HOME": str(home), "COLUMNS": "200"}
    ivs = str(Path(sys.executable).parent / "ivs")
    manifest = next((world / "batch").glob("*.manifest.json"))
    # A new home: its store and the ledger's signing key first, as `ivs init` makes them.
    subprocess.run([ivs, "init"], env=env, capture_output=True, check=True)
    seconds, gib, out = timed([ivs, "index", str(world / "master")], env)
    print(f"ivs index: {seconds:.1f} s, peak {gib:.2f} GiB\n  {out.strip()}")
    seconds, gib, out = timed(
        [
            ivs,
            "run",
            str(manifest),
            "--master",
            str(world / "master"),
            "--signers",
            str(world / "signers.json"),
            "--out",
            str(world / "bench-out"),
        ],
        env,
    )
    print(f"ivs run: {seconds:.1f} s, peak {gib:.2f} GiB")
    for line in out.splitlines():
        if line.startswith(("time:", "candidate pairs", "blocking recall")):
            print(f"  {line}")


if __name__ == "__main__":
    main()
