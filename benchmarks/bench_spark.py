"""``ivs index`` and ``ivs run`` on the Spark engine (and, for comparison, on DuckDB).

    .venv/bin/ivs synth /tmp/w1m --taxpayers 1000000 --requests 128205 --seed 5
    flock /work/bench.lock .venv/bin/python benchmarks/bench_spark.py /tmp/w1m \\
        --home /tmp/w1m-home --engines spark duckdb

Each command runs in its own process under /usr/bin/time -v (wall time, CPU, peak RSS of the
command and its children: the Spark JVM is a child of the Python process). For each engine the
index is built fresh in its own home, then the batch is run against it; the per-stage times
come from ``ivs run``'s own summary. The world folder is only read. The response files of the
engines are compared byte for byte at the end.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, peak RSS in GiB and standard output of one command."""
    result = subprocess.run(
        ["/usr/bin/time", "-v", *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"{args[1]} failed:\n{result.stdout}\n{result.stderr[-4000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    user = re.search(r"User time \(seconds\): ([\d.]+)", result.stderr)
    system = re.search(r"System time \(seconds\): ([\d.]+)", result.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    if wall is None or rss is None or user is None or system is None:
        sys.exit(f"no timing from /usr/bin/time:\n{result.stderr[-4000:]}")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in wall.groups())
    cpu = float(user.group(1)) + float(system.group(1))
    return (
        hours * 3600 + minutes * 60 + seconds,
        cpu,
        int(rss.group(1)) / 1024 / 1024,
        result.stdout,
    )


def bench(world: Path, home: Path, engine: str, master_url: str | None) -> Path:
    """Index and run on one engine in a fresh home; the response file written."""
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "IVS_HOME": str(home), "COLUMNS": "200"}
    ivs = str(Path(sys.executable).parent / "ivs")
    engine_args = ["--engine", engine]
    if master_url is not None:
        engine_args += ["--spark-master", master_url]
    subprocess.run([ivs, "init"], env=env, check=True, capture_output=True)
    manifest = next((world / "batch").glob("*.manifest.json"))
    seconds, cpu, gib, out = timed([ivs, "index", str(world / "master"), *engine_args], env)
    print(f"[{engine}] ivs index: {seconds:.1f} s wall, {cpu:.1f} s CPU, peak {gib:.2f} GiB")
    print(f"  {' '.join(out.split())}")
    out_dir = home / "out"
    seconds, cpu, gib, out = timed(
        [
            ivs,
            "run",
            str(manifest),
            "--master",
            str(world / "master"),
            "--signers",
            str(world / "signers.json"),
            "--out",
            str(out_dir),
            *engine_args,
        ],
        env,
    )
    print(f"[{engine}] ivs run: {seconds:.1f} s wall, {cpu:.1f} s CPU, peak {gib:.2f} GiB")
    for line in out.splitlines():
        if line.startswith(("time:", "candidate pairs", "blocking recall")):
            print(f"  {line}")
    return next(out_dir.glob("*.response.csv"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("world", type=Path, help="a folder written by ivs synth (only read)")
    parser.add_argument("--home", type=Path, required=True, help="scratch folder for the homes")
    parser.add_argument("--engines", nargs="+", default=["spark"], choices=["spark", "duckdb"])
    parser.add_argument("--spark-master", default=None, help="Spark master (default local[2])")
    args = parser.parse_args()
    world: Path = args.world.resolve()
    responses = {
        engine: bench(
            world,
            args.home.resolve() / engine,
            engine,
            args.spark_master if engine == "spark" else None,
        )
        for engine in args.engines
    }
    if len(responses) == 2:
        same = filecmp.cmp(responses["spark"], responses["duckdb"], shallow=False)
        print(f"response files identical: {same}")


if __name__ == "__main__":
    main()
