"""Benchmark the master's hygiene: ``ivs index`` on a synthetic master, then on a copy with a
share of defective rows (blank first names, addresses without a street), step by step.

    .venv/bin/python benchmarks/bench_master_hygiene.py --taxpayers 200000 --share 0.01

Prints each step's seconds for both masters, what was set aside and how many taxpayers were
withheld. Uses a home of its own under ``--dir``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ivs.batch.index_step import build_index
from ivs.domain.settings import load_settings
from ivs.synth import SynthConfig, generate_world


def _blank(path: Path, column: str, share: float, rng: np.random.Generator) -> None:
    table = pq.read_table(path)
    values = table.column(column).to_numpy(zero_copy_only=False).astype(object)
    values[rng.choice(len(values), int(len(values) * share), replace=False)] = None
    index = table.schema.get_field_index(column)
    pq.write_table(table.set_column(index, column, pa.array(values, pa.string())), path)


def _index(master: Path, home: Path) -> None:
    os.environ["IVS_HOME"] = str(home)
    shutil.rmtree(home, ignore_errors=True)
    last = [time.perf_counter(), "start"]

    def step(label: str) -> None:
        now = time.perf_counter()
        print(f"  {now - last[0]:7.2f} s  {last[1]}")
        last[:] = [now, label]

    info = build_index(master, load_settings(), step=step)
    step("end")
    print(f"  built in {info.seconds:.1f} s; set aside {info.set_aside}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--taxpayers", type=int, default=200_000)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bench-hygiene"))
    args = parser.parse_args()
    world = args.dir / "world"
    if not (world / "master").is_dir():
        generate_world(world, SynthConfig(taxpayers=args.taxpayers, requests=1_000, seed=3))
    defective = args.dir / "defective"
    shutil.rmtree(defective, ignore_errors=True)
    shutil.copytree(world / "master", defective)
    rng = np.random.default_rng(1)
    _blank(defective / "taxpayers.parquet", "first_name", args.share, rng)
    _blank(defective / "addresses.parquet", "street_address", args.share, rng)
    print(f"clean master ({args.taxpayers:,} taxpayers):")
    _index(world / "master", args.dir / "home-clean")
    print(f"the same with {args.share:.1%} of each table's rows defective:")
    _index(defective, args.dir / "home-defective")


if __name__ == "__main__":
    main()
