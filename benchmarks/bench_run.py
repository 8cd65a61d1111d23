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

``--distinct-share F`` (0 < F <= 1) measures a master whose addresses are distinct where the
synthetic world's households share them (about half of ``ivs synth``'s addresses of record are
distinct at the national density; the index standardizes and holds one form per distinct
address). Before indexing, the world's master is copied to ``WORLD/master-distinct-F`` (written
once, then reused; the world's own master is never changed) with the addresses rewritten by
``distinct_master``: a share F of the address rows, chosen by a hash of the row's position and
``--seed``, each become distinct from every other row. A row at a house gets a unit designator
numbered above every unit number of the master (its own designator kept, ``APT`` where it had
none); a post-office or rural-route box gets a box number above every box number of the master;
the numbers count up within each city, state and ZIP code, so no two rows share one. Rows
without a street line are left as they were. The variant's addresses and distinct addresses
are printed; ``ivs index``, ``ivs run`` and the floor then read it. The request batch is the
world's, made from the original master, so fewer of its requests match.
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


def exact_join_floor(master: Path, records: Path) -> tuple[float, int, int]:
    """Seconds, pairs and requests matched by the raw exact join (last name, number, ZIP)."""
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


# A box line (``PO BOX 27``, ``RR 4 BOX 2544``, ``HC 1 BOX 695``) and its number.
BOX_LINE = r"^(PO BOX |(RR|HC) [0-9]+ BOX )([0-9]+)$"


def distinct_master(master: Path, out: Path, share: float, seed: int) -> tuple[int, int]:
    """``master`` copied to ``out`` with a share of its addresses of record made distinct.

    Returns the variant's addresses and distinct addresses (street line, unit, city, state and
    ZIP code as filed: what the index standardizes once). See the module's ``--distinct-share``.
    """
    if not 0 < share <= 1:
        raise ValueError(f"the distinct share must be above 0 and at most 1, not {share}")
    source = master / "addresses.parquet"
    connection = duckdb.connect()
    connection.execute(f"SET memory_limit = '{os.environ.get('IVS_ENGINE_MEMORY', '12GB')}'")
    connection.execute("SET enable_progress_bar = false")
    if not out.is_dir():
        partial = out.with_name(out.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for other in master.iterdir():
            if other.is_file() and other.name != source.name:
                shutil.copy2(other, partial / other.name)
        # The new numbers start above every number already there, so a rewritten row can equal
        # no row left as it was; within a city, state and ZIP code each rewritten row has its
        # own number, so none equals another.
        connection.execute(
            f"""
            COPY (
              WITH a AS (SELECT * EXCLUDE (file_row_number), file_row_number AS row_no
                         FROM read_parquet('{source}', file_row_number = true)),
              bases AS (
                SELECT 1 + coalesce(max(TRY_CAST(regexp_extract(unit, '([0-9]+)$', 1)
                                                 AS BIGINT)), 0) AS unit_base,
                       1 + coalesce(max(TRY_CAST(regexp_extract(street_address, '{BOX_LINE}', 3)
                                                 AS BIGINT)), 0) AS box_base
                FROM a),
              picked AS (
                SELECT *, row_number() OVER (ORDER BY hash(row_no, {seed}), row_no)
                            <= round({share} * count(*) OVER ())
                            AND coalesce(trim(street_address) <> '', false)
                          AS rewritten
                FROM a),
              numbered AS (
                SELECT *, CASE WHEN rewritten THEN row_number() OVER (
                            PARTITION BY city, state, zip, rewritten ORDER BY row_no) END AS k
                FROM picked)
              SELECT * EXCLUDE (row_no, rewritten, k, unit_base, box_base) REPLACE (
                CASE WHEN rewritten AND regexp_matches(street_address, '{BOX_LINE}')
                     THEN regexp_extract(street_address, '{BOX_LINE}', 1) || (box_base + k)
                     ELSE street_address END AS street_address,
                CASE WHEN NOT rewritten OR regexp_matches(street_address, '{BOX_LINE}') THEN unit
                     WHEN regexp_matches(unit, '^[^0-9]*[0-9]+$')
                     THEN regexp_extract(unit, '^([^0-9]*)', 1) || (unit_base + k)
                     ELSE 'APT ' || (unit_base + k) END AS unit)
              FROM numbered, bases
              ORDER BY row_no
            ) TO '{partial / source.name}' (FORMAT parquet, COMPRESSION zstd)
            """
        )
        partial.rename(out)
    rows, distinct = connection.execute(
        f"""
        SELECT (SELECT count(*) FROM '{out / source.name}'),
               (SELECT count(*) FROM (SELECT DISTINCT street_address, unit, city, state, zip
                                      FROM '{out / source.name}'))
        """
    ).fetchone() or (0, 0)
    connection.close()
    return int(rows), int(distinct)


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
    parser.add_argument(
        "--distinct-share",
        type=float,
        metavar="F",
        help="index and run a copy of the master (WORLD/master-distinct-F) in which a share F "
        "(0 < F <= 1) of the addresses of record are each distinct from every other; the "
        "request batch is unchanged, so fewer of its requests match",
    )
    args = parser.parse_args()
    if args.distinct_share is not None and not 0 < args.distinct_share <= 1:
        parser.error("--distinct-share must be above 0 and at most 1")
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
    master = world / "master"
    if args.distinct_share is not None:
        master = world / f"master-distinct-{args.distinct_share:g}"
        rows, distinct = distinct_master(world / "master", master, args.distinct_share, args.seed)
        print(f"{master.name}: {rows:,} addresses of record, {distinct:,} distinct")
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
    seconds, gib, out = timed([ivs, "index", str(master)], env)
    print(f"ivs index: {seconds:.1f} s, peak {gib:.2f} GiB\n  {out.strip()}")
    seconds, gib, out = timed(
        [
            ivs,
            "run",
            str(manifest),
            "--master",
            str(master),
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
    floor, pairs, matched = exact_join_floor(master, records)
    print(
        f"exact-join floor (last name, house number, ZIP; raw DuckDB, same run): {floor:.2f} s, "
        f"{pairs:,} pairs, {matched:,} requests matched; ivs run / floor {seconds / floor:.1f}x"
    )


if __name__ == "__main__":
    main()
