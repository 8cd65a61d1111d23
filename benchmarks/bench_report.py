"""Oversight reports on a ledger of a 1.28 M-record batch (≥ 1.7 M entries), SQLite.

    .venv/bin/python benchmarks/bench_report.py [--records 1280000] [--dir DIR]

Builds (or reuses, in --dir) a ledger holding a small batch, then one batch of --records
decisions written as ``ivs run`` writes them (``record_decision_bytes`` in chunks, a
``disclosure`` entry per disclosed record, ``batch_completed``), then times
``batch_report`` + ``render_html`` (reading the entries, counting, drawing), and the
period and annual reports over the same ledger.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ivs.domain.settings import load_settings
from ivs.formats.manifest import Recipient
from ivs.ledger import entries as e
from ivs.ledger.entry_columns import record_decision_bytes
from ivs.ledger.log import Ledger
from ivs.report import annual_report, batch_report, period_report, render_html
from ivs.store import open_store

AT = datetime(2025, 3, 3, 9, tzinfo=UTC)
OFFICER = Recipient("Dana Reyes", "Supervisory Special Agent", "ERO Houston")
STATES = ["TX", "CA", "AZ", "NY", "GA", "FL", "IL", "NJ", "WA", "CO", None]
CODES = [
    ("DISCLOSED", "MATCHED"),
    ("NOT_DISCLOSED", "NO_CANDIDATE"),
    ("NOT_DISCLOSED", "ADDRESS_MISMATCH"),
    ("NOT_DISCLOSED", "AMBIGUOUS"),
    ("NOT_DISCLOSED", "REVIEW"),
    ("REJECTED", "ADDRESS_PLACEHOLDER"),
    ("REJECTED", "TIN_IMPOSSIBLE"),
]
WEIGHTS = [30, 25, 15, 5, 5, 12, 8]
CHUNK = 50_000


def build(ledger: Ledger, batch_id: str, records: int, at: datetime, rng: random.Random) -> None:
    ledger.append(
        [
            e.batch_received(
                at=at,
                batch_id=batch_id,
                manifest_digest="ab" * 32,
                signer_key_id="k1",
                requesting_agency="ICE",
                statute="8 U.S.C. 1253(a)(1)",
                tax_periods=["2024"],
                record_count=records,
                recipients=[OFFICER],
            )
        ]
    )
    disclosed = 0
    for start in range(0, records, CHUNK):
        n = min(CHUNK, records - start)
        picked = rng.choices(CODES, WEIGHTS, k=n)
        scores = [
            f"{rng.uniform(0.999, 1):.6f}"
            if o == "DISCLOSED"
            else (
                None
                if c in ("NO_CANDIDATE", "ADDRESS_PLACEHOLDER", "TIN_IMPOSSIBLE")
                else f"{rng.random():.6f}"
            )
            for o, c in picked
        ]
        ids = [f"R{start + k:08d}" for k in range(n)]
        states = [rng.choice(STATES) for _ in range(n)]
        ledger.append_encoded(
            ["record_decision"] * n,
            lambda first, ids=ids, picked=picked, states=states, scores=scores: (
                record_decision_bytes(
                    first,
                    at=at,
                    agency="ICE",
                    batch_id=batch_id,
                    rule_set="9f2c" * 16,
                    software_version="0.1.0",
                    request_ids=ids,
                    outcomes=[o for o, _ in picked],
                    codes=[c for _, c in picked],
                    states=states,
                    scores=scores,
                )
            ),
        )
        ledger.append(
            [
                e.disclosure(
                    at=at,
                    batch_id=batch_id,
                    request_id=ids[k],
                    tin=f"{rng.randrange(10**9):09d}",
                    recipient_agency="ICE",
                    recipients=[OFFICER],
                    statute="8 U.S.C. 1253(a)(1)",
                    purpose="removal",
                    fields=["street_address", "unit", "city", "state", "zip"],
                    values_digest="cd" * 32,
                )
                for k, (o, _) in enumerate(picked)
                if o == "DISCLOSED"
            ]
        )
        disclosed += sum(o == "DISCLOSED" for o, _ in picked)
    ledger.append(
        [
            e.batch_completed(
                at=at + timedelta(minutes=30),
                agency="ICE",
                batch_id=batch_id,
                records=records,
                outcomes={"DISCLOSED": disclosed},
                codes={},
                rule_set="9f2c" * 16,
                counterfactual={
                    "disclosed": disclosed + records // 50,
                    "on_rejected_requests": records // 100,
                    "not_lawful": records // 50,
                },
            )
        ]
    )
    ledger.checkpoint()


def timed(label: str, work: object) -> None:
    start = time.perf_counter()
    html = work() if callable(work) else None
    print(f"{label}: {time.perf_counter() - start:.2f} s ({len(html or ''):,} bytes of HTML)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_280_000)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    home = args.dir or Path(tempfile.mkdtemp(prefix="ivs-bench-report-"))
    settings = load_settings(home=home)
    ledger = Ledger(open_store(settings), Ed25519PrivateKey.generate())
    if ledger.head().size == 0:
        start = time.perf_counter()
        rng = random.Random(1)
        build(ledger, "SMALL-0001", 2_000, AT - timedelta(days=1), rng)
        build(ledger, "BIG-0001", args.records, AT, rng)
        print(f"built {ledger.head().size:,} entries in {time.perf_counter() - start:.1f} s")
    print(f"ledger: {ledger.head().size:,} entries in {home}")
    timed(
        "batch report, BIG-0001",
        lambda: render_html(batch_report(ledger, "BIG-0001", settings)),
    )
    timed(
        "batch report, SMALL-0001",
        lambda: render_html(batch_report(ledger, "SMALL-0001", settings)),
    )
    timed(
        "period report, March 2025",
        lambda: render_html(period_report(ledger, date(2025, 3, 1), date(2025, 3, 31), settings)),
    )
    timed("annual report, 2025", lambda: render_html(annual_report(ledger, 2025)[0]))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
