"""``ivs index`` and ``ivs run`` on the Spark engine (and, for comparison, on DuckDB).

    .venv/bin/ivs synth /tmp/w1m --taxpayers 1000000 --requests 128205 --seed 5
    flock /work/bench.lock .venv/bin/python benchmarks/bench_spark.py /tmp/w1m \\
        --home /tmp/w1m-home --engines spark duckdb

Each command runs in its own process group, whose processes (Python and the Spark JVM) are
sampled twice a second for CPU time and resident memory. For each engine the
index is built fresh in its own home, then the batch is run against it; the per-stage times
come from ``ivs run``'s own summary. The world folder is only read. The response files of the
engines are compared byte for byte at the end.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _group_usage(group: int, cpu_ticks: dict[int, int]) -> int:
    """Resident bytes of every process in ``group``; records each one's CPU ticks."""
    resident = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != group:  # the process group
                continue
            cpu_ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
            resident += int((entry / "statm").read_text().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return resident


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds and peak resident GiB of one command and every process it
    starts (the Spark JVM is a child of the Python process, which /usr/bin/time does not
    count once it is killed rather than waited for), sampled twice a second; its output."""
    started = time.perf_counter()
    with subprocess.Popen(
        args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        cpu_ticks: dict[int, int] = {}
        peak = 0
        while process.poll() is None:
            peak = max(peak, _group_usage(process.pid, cpu_ticks))
            time.sleep(0.5)
        out, err = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"{args[1]} failed:\n{out}\n{err[-4000:]}")
    return seconds, sum(cpu_ticks.values()) / _TICKS, peak / 2**30, out


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
            # The engines' responses are compared in plaintext (the operator's choice).
            "--plaintext-response",
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
