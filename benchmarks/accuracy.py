"""Accuracy of the lawful policy against the 2025 TIN-only rule, on synthetic worlds.

For each seed: generate a world (``ivs synth``), run the batch (``ivs run``), simulate the
TIN-only rule, and score both against the truth file. Prints, per seed and in total:
disclosures, wrong-person disclosures, disclosures on deficient requests, recall on lawfully
matchable records, trap disclosures; and the precision/recall curve of the disclosure
threshold.

    .venv/bin/python benchmarks/accuracy.py --taxpayers 1000000 --requests 100000 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ivs.batch.simulate import score_against_truth, simulate
from ivs.domain.settings import load_settings
from ivs.formats import read_signers

TRAPS = ("household_jr_sr", "same_name_building", "same_name_roommates")
THRESHOLDS = (0.5, 0.9, 0.95, 0.99, 0.999, 0.9999, 0.99999)


def ivs(*args: str, home: Path) -> None:
    env = {**os.environ, "IVS_HOME": str(home)}
    subprocess.run(
        [str(Path(sys.executable).parent / "ivs"), *args],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def one_seed(
    work: Path, seed: int, taxpayers: int, requests: int, density: tuple[str, ...] = ()
) -> dict[str, object]:
    world = work / f"world-{seed}"
    home = work / f"home-{seed}"
    started = time.perf_counter()
    ivs(
        "synth",
        str(world),
        "--taxpayers",
        str(taxpayers),
        "--requests",
        str(requests),
        "--seed",
        str(seed),
        *density,
        home=home,
    )
    # The store and the ledger's signing key, which every run records to.
    ivs("init", home=home)
    manifest = world / "batch" / f"SYN-{seed}-A.manifest.json"
    common = ("--master", str(world / "master"), "--signers", str(world / "signers.json"))
    # Graded on the decisions file; the response in plaintext by the operator's choice (no
    # recipient keys are registered in an evaluation home).
    ivs(
        "run", str(manifest), *common, "--out", str(world / "out"), "--plaintext-response",
        home=home,
    )  # fmt: skip
    decisions = pq.read_table(world / "out" / f"SYN-{seed}-A.decisions.parquet").drop_columns(
        ["candidate_list"]
    )
    truth = pq.read_table(world / "truth.parquet")
    joined = decisions.join(
        truth.rename_columns([f"t_{c}" for c in truth.column_names]),
        keys="request_id",
        right_keys="t_request_id",
    )
    disclosed = pc.is_valid(joined.column("matched_tin"))
    wrong = pc.and_(
        disclosed,
        pc.invert(
            pc.fill_null(pc.equal(joined.column("matched_tin"), joined.column("t_tin")), False)
        ),
    )
    deficient = pc.and_(disclosed, pc.equal(joined.column("t_category"), "deficient"))
    trap = pc.and_(disclosed, pc.is_in(joined.column("t_category"), value_set=pa.array(TRAPS)))
    # The recall denominator: records whose lawful answer is disclosure (see simulate).
    matchable = pc.and_(
        pc.fill_null(joined.column("t_lawfully_matchable"), False),
        pc.equal(joined.column("t_expected_outcome"), "DISCLOSED"),
    )
    recalled = pc.and_(matchable, pc.and_(disclosed, pc.invert(wrong)))

    # Precision/recall of the threshold: a record is disclosed at threshold t when it met every
    # legal condition (MATCHED, REVIEW or BELOW_THRESHOLD) and its probability is at least t.
    eligible = pc.is_in(
        joined.column("decision_code"), value_set=pa.array(["MATCHED", "REVIEW", "BELOW_THRESHOLD"])
    )
    curve = []
    for t in THRESHOLDS:
        at = pc.and_(
            eligible, pc.fill_null(pc.greater_equal(joined.column("match_probability"), t), False)
        )
        right = pc.fill_null(pc.equal(joined.column("best_tin"), joined.column("t_tin")), False)
        tp = pc.sum(pc.and_(at, pc.and_(right, matchable))).as_py() or 0
        n = pc.sum(at).as_py() or 0
        curve.append((t, n, tp / n if n else 1.0, tp / max(pc.sum(matchable).as_py() or 1, 1)))

    settings = load_settings(home=home)
    tin_only = simulate(
        manifest,
        world / "master",
        read_signers(world / "signers.json"),
        settings,
        "tin-only",
        now=datetime.now(UTC),
    )
    tin_only = score_against_truth(tin_only, world / "truth.parquet")
    return {
        "seed": seed,
        "seconds": time.perf_counter() - started,
        "disclosed": pc.sum(disclosed).as_py(),
        "wrong": pc.sum(wrong).as_py(),
        "deficient": pc.sum(deficient).as_py(),
        "trap": pc.sum(trap).as_py(),
        "matchable": pc.sum(matchable).as_py(),
        "recalled": pc.sum(recalled).as_py(),
        "curve": curve,
        "tin_only": tin_only,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--taxpayers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--keep", type=Path, help="keep the worlds in this folder")
    parser.add_argument(
        "--taxpayers-per-zip",
        type=int,
        help="ivs synth's density (its default: national); 0 with --address-history short "
        "makes the sparse worlds of the first figures",
    )
    parser.add_argument("--address-history", choices=("national", "short"))
    args = parser.parse_args()
    density = tuple(
        f"--{name.replace('_', '-')}={value}"
        for name, value in (
            ("taxpayers_per_zip", args.taxpayers_per_zip),
            ("address_history", args.address_history),
        )
        if value is not None
    )
    work = args.keep or Path(tempfile.mkdtemp(prefix="ivs-accuracy-"))
    work.mkdir(parents=True, exist_ok=True)
    totals = {"disclosed": 0, "wrong": 0, "deficient": 0, "trap": 0, "matchable": 0, "recalled": 0}
    tin_totals = {"disclosed": 0, "wrong": 0, "deficient": 0, "unlawful": 0}
    print(
        f"{args.taxpayers:,} taxpayers / {args.requests:,} requests per world "
        f"{' '.join(density) or '(ivs synth defaults: national density)'}"
    )
    print(
        "| seed | disclosed | wrong person | on deficient | on traps | recall "
        "| TIN-only disclosed | TIN-only wrong person | TIN-only on deficient "
        "| TIN-only unlawful |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    curves = []
    for seed in args.seeds:
        r = one_seed(work, seed, args.taxpayers, args.requests, density)
        t = r["tin_only"]
        for k in totals:
            totals[k] += int(r[k])  # type: ignore[call-overload]
        tin_totals["disclosed"] += t.disclosed
        tin_totals["wrong"] += t.wrong_person or 0
        tin_totals["deficient"] += t.on_deficient or 0
        tin_totals["unlawful"] += t.unlawful or 0
        recall = int(r["recalled"]) / max(int(r["matchable"]), 1)  # type: ignore[call-overload]
        print(
            f"| {seed} | {r['disclosed']:,} | {r['wrong']} | {r['deficient']} | {r['trap']} | "
            f"{recall:.2%} | {t.disclosed:,} | {t.wrong_person:,} | {t.on_deficient:,} "
            f"| {t.unlawful:,} |"
        )
        curves.append(r["curve"])
    recall = totals["recalled"] / max(totals["matchable"], 1)
    per_10k = 10_000 * totals["wrong"] / max(totals["disclosed"], 1)
    print(
        f"| all | {totals['disclosed']:,} | {totals['wrong']} ({per_10k:.2f} per 10,000) | "
        f"{totals['deficient']} | {totals['trap']} | {recall:.2%} | {tin_totals['disclosed']:,} | "
        f"{tin_totals['wrong']:,} | {tin_totals['deficient']:,} | {tin_totals['unlawful']:,} |"
    )
    print("\nPrecision/recall of the disclosure threshold (all seeds):")
    print("| threshold | disclosed | precision | recall |")
    print("|---|---|---|---|")
    for i, t in enumerate(THRESHOLDS):
        n = sum(c[i][1] for c in curves)
        precision = sum(c[i][2] * c[i][1] for c in curves) / max(n, 1)
        rec = sum(c[i][3] for c in curves) / len(curves)
        print(f"| {t} | {n:,} | {precision:.5f} | {rec:.2%} |")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
