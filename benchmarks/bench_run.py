"""Speed and memory of ``ivs index`` and ``ivs run`` on a synthetic world, beside a floor.

    .venv/bin/python benchmarks/bench_run.py /tmp/w1m --taxpayers 1000000 --requests 128000

makes the world with ``ivs synth`` if the folder holds none (at the national density, ``ivs
synth``'s default; ``--taxpayers-per-zip 0 --address-history short`` for the first, sparse
worlds), then measures. Each command runs in its own process under /usr/bin/time -v (wall
time, peak RSS); the per-stage times and the pairs per blocking rule come from ``ivs run``'s
own summary. The home (``WORLD/bench-home``) is made new with ``ivs init`` and the index built
fresh in it, so the run measures matching against an indexed master, as a production batch
would.

The floor is a raw DuckDB exact join of the records with the master on last name, house number
(the street line's leading digits) and ZIP code, timed in the same run: what one join over
the same files costs, without standardization, comparisons, decisions or ledger.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak GiB and output of a command; its CPU seconds are printed."""
    result = subprocess.run(
        ["/usr/bin/time", "-v", *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"{args[1]} failed:\n{result.stdout}\n{result.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    if wall is None or rss is None:
        sys.exit(f"no timing from /usr/bin/time:\n{result.stderr}")
    cpu = sum(
        float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", result.stderr)
    )
    # Other work on the machine stretches the wall time; the CPU seconds are steadier.
    print(f"{Path(args[0]).name} {args[1]}: CPU (user + sys) {cpu:.1f} s")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in wall.groups())
    return hours * 3600 + minutes * 60 + seconds, int(rss.group(1)) / 1024 / 1024, result.stdout


def exact_join_floor(world: Path, records: Path) -> tuple[float, int, int]:
    """Seconds, pairs and requests matched by the raw exact join (last name, number, ZIP)."""
    master = world / "master"
    reader = {".csv": "read_csv", ".jsonl": "read_json", ".parquet": "read_parquet"}[records.suffix]
    key = "regexp_extract(street_address, '^([0-9]+)', 1) AS number, left(zip, 5) AS zip5"
    connection = duckdb.connect()
    connection.execute(f"SET memory_limit = '{os.environ.get('IVS_ENGINE_MEMORY', '12GB')}'")
    started = time.perf_counter()
    pairs, requests = connection.execute(
        f"""
        WITH r AS (SELECT request_id, upper(last_name) AS last_name, {key}
                   FROM {reader}('{records}', all_varchar = true)),
        m AS (SELECT DISTINCT t.tin, t.last_name, a.number, a.zip5
              FROM '{master / "taxpayers.parquet"}' t
              JOIN (SELECT tin, {key} FROM '{master / "addresses.parquet"}') a ON a.tin = t.tin)
        SELECT count(*), count(DISTINCT r.request_id)
        FROM r JOIN m ON r.last_name = m.last_name AND r.number = m.number AND r.zip5 = m.zip5
        """
    ).fetchone() or (0, 0)
    seconds = time.perf_counter() - started
    connection.close()
    return seconds, int(pairs), int(requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("world", type=Path, help="a folder written by ivs synth (made if empty)")
    parser.add_argument("--taxpayers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=128_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--reuse-index",
        action="store_true",
        help="keep the index a previous run built in WORLD/bench-home (the run is still new)",
    )
    parser.add_argument(
        "--synth-option",
        action="append",
        default=[],
        help="passed to ivs synth, e.g. --synth-option=--taxpayers-per-zip=0",
    )
    args = parser.parse_args()
    world: Path = args.world.resolve()
    ivs = str(Path(sys.executable).parent / "ivs")
    if not (world / "master").is_dir():
        seconds, gib, _ = timed(
            [
                ivs,
                "synth",
                str(world),
                f"--taxpayers={args.taxpayers}",
                f"--requests={args.requests}",
                f"--seed={args.seed}",
                *args.synth_option,
            ],
            dict(os.environ),
        )
        print(f"ivs synth: {seconds:.1f} s, peak {gib:.2f} GiB")
    home = world / "bench-home"
    kept = world / "bench-index"
    if args.reuse_index and (home / "index").is_dir():
        shutil.rmtree(kept, ignore_errors=True)
        (home / "index").rename(kept)
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "IVS_HOME": str(home), "COLUMNS": "200"}
    manifest = next((world / "batch").glob("*.manifest.json"))
    # A new home: its store and the ledger's signing key first, as `ivs init` makes them.
    subprocess.run([ivs, "init"], env=env, capture_output=True, check=True)
    if kept.is_dir():
        kept.rename(home / "index")
    # The recipients' keys registered, as the requesting agency's would be, so that the run
    # ends with its response package, as a production batch does.
    keys = home / "recipient-keys"
    for command in (
        [
            ivs,
            "recipients",
            "keygen",
            str(manifest),
            "--keys",
            str(keys),
            "--out",
            str(keys / "r.json"),
        ],
        [ivs, "recipients", "import", str(keys / "r.json")],
    ):
        subprocess.run(command, env=env, capture_output=True, check=True)
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
    records_count = json.loads(manifest.read_text(encoding="utf-8"))["records"]["count"]
    print(
        f"ivs run: {seconds:.1f} s ({records_count / seconds:,.0f} requests/s), peak {gib:.2f} GiB"
    )
    for line in out.splitlines():
        if line.startswith(("time:", "candidate pairs", "blocking recall")):
            print(f"  {line}")
    records = next((world / "batch").glob("*.records.*"))
    floor, pairs, matched = exact_join_floor(world, records)
    print(
        f"exact-join floor (last name, house number, ZIP; raw DuckDB, same run): {floor:.2f} s, "
        f"{pairs:,} pairs, {matched:,} requests matched; ivs run / floor {seconds / floor:.1f}x"
    )


if __name__ == "__main__":
    main()
