"""What each blocking rule costs and finds, on a synthetic world: pairs per rule and request,
and blocking recall on TIN-verified pairs and on the world's truth.

    .venv/bin/python benchmarks/bench_blocking.py /tmp/w1m

The world is one written by ``ivs synth``; its master is indexed in ``WORLD/bench-home`` (as
``bench_run.py`` leaves it; built there if missing). The batch is taken through intake and the
match steps of ``ivs.match.pipeline`` run on DuckDB, as ``ivs run`` runs them, without
deciding or recording anything. Printed:

- per rule: its pairs, pairs per accepted request (mean and the largest), and the pairs whose
  name and address match (a possible disclosure) that no other rule but the TIN finds;
- blocking recall on TIN-verified pairs (``ivs run``'s figure): of the pairs whose TIN agrees
  and whose name and address match, the share the rules other than ``tin`` find;
- blocking recall on the truth: of the accepted requests that are lawfully matchable, the
  share whose true taxpayer the rules other than ``tin`` pair them with, and the share whose
  true taxpayer is a candidate at all;
- the time of each match step.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from ivs.batch.index_step import ensure_index
from ivs.batch.inputs import load_inputs
from ivs.batch.intake_step import intake_batch
from ivs.domain.settings import load_settings
from ivs.engines.base import DUCKDB
from ivs.formats import read_signers
from ivs.match.model import load_model
from ivs.match.pipeline import BLOCKING_RULES, match_steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("world", type=Path, help="a folder written by ivs synth")
    args = parser.parse_args()
    world: Path = args.world.resolve()
    settings = load_settings(home=Path(os.environ.get("IVS_HOME", world / "bench-home")))
    started = time.perf_counter()
    index = ensure_index(world / "master", settings)
    print(f"index ready in {time.perf_counter() - started:.1f} s")
    intake = intake_batch(
        next((world / "batch").glob("*.manifest.json")),
        read_signers(world / "signers.json"),
        settings,
        [],
        now=datetime.now(UTC),
    )
    model = load_model()
    with DUCKDB.open() as engine:
        load_inputs(engine, intake, index)
        engine.register("truth", pq.read_table(world / "truth.parquet"))
        engine.run(match_steps(model, on=intake.manifest.submitted_at.date()))
        accepted = int(str(engine.scalar("SELECT count(*) FROM req")))
        others = " OR ".join(f"by_{r.name}" for r in BLOCKING_RULES if r.name != "tin")
        print(f"accepted requests: {accepted:,}")
        print("rule                  pairs  per request  largest  sole finder (name+address)")
        for rule in BLOCKING_RULES:
            pairs, largest = (
                engine.arrow(
                    f"""SELECT count(*) AS n, coalesce(max(k), 0) AS largest FROM (
                        SELECT request_key, count(*) AS k FROM pairs WHERE by_{rule.name}
                        GROUP BY request_key)"""
                )
                .to_pylist()[0]
                .values()
            )
            pairs = int(str(engine.scalar(f"SELECT count(*) FROM pairs WHERE by_{rule.name}")))
            rest = " OR ".join(
                f"by_{r.name}" for r in BLOCKING_RULES if r.name not in ("tin", rule.name)
            )
            sole = engine.scalar(
                f"""SELECT count(*) FROM scored WHERE by_{rule.name} AND NOT ({rest})
                    AND name_ok AND address_ok"""
            )
            print(
                f"{rule.name:<18}{pairs:>11,}{pairs / accepted:>12.2f}{largest:>9,}"
                f"{int(str(sole)):>12,}"
            )
        distinct = int(str(engine.scalar("SELECT count(*) FROM pairs")))
        print(f"{'distinct pairs':<18}{distinct:>11,}{distinct / accepted:>12.2f}")
        verified = engine.arrow(
            f"""SELECT count(*) AS n, count(*) FILTER (WHERE {others}) AS found FROM scored
                WHERE by_tin AND tin_level = 0 AND name_ok AND address_ok"""
        ).to_pylist()[0]
        print(
            f"blocking recall on TIN-verified pairs whose name and address match: "
            f"{verified['found']:,} of {verified['n']:,}"
            f" ({verified['found'] / max(verified['n'], 1):.4%})"
        )
        others_p = others.replace("by_", "p.by_")
        truth = engine.arrow(
            f"""SELECT count(*) AS n,
                       count(*) FILTER (WHERE p.tin IS NOT NULL AND ({others_p})) AS found,
                       count(*) FILTER (WHERE p.tin IS NOT NULL) AS candidate,
                       count(*) FILTER (WHERE s.name_ok AND s.address_ok) AS matched
                FROM req r JOIN truth t ON t.request_id = r.request_id
                LEFT JOIN pairs p ON p.request_key = r.request_key AND p.tin = t.tin
                LEFT JOIN scored s ON s.request_key = r.request_key AND s.tin = t.tin
                WHERE t.lawfully_matchable AND t.tin IS NOT NULL"""
        ).to_pylist()[0]
        print(
            f"blocking recall on the truth (lawfully matchable, accepted): "
            f"{truth['found']:,} of {truth['n']:,} found without the TIN rule "
            f"({truth['found'] / max(truth['n'], 1):.4%}); a candidate at all "
            f"{truth['candidate']:,}; name and address match {truth['matched']:,}"
        )
        print("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in engine.step_seconds.items()))


if __name__ == "__main__":
    main()
