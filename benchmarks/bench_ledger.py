"""Ledger store speed on SQLite: appends in commits of 1,000, full verify, proofs.

    .venv/bin/python benchmarks/bench_ledger.py [--entries 1280000] [--batch 1000] [--dir DIR]
        [--verify-only]

Appends ``record_decision`` entries as a batch run records them (``Ledger.append_encoded``
with the bulk encoder), one transaction per batch, on the store ``open_store`` makes (WAL,
synchronous=FULL); then
``Ledger.verify`` of the whole log, and inclusion and consistency proofs checked with the
pure verifier. Prints each figure; the database is kept in --dir if given.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from ivs.domain.settings import load_settings
from ivs.ledger.entries import EntryKind
from ivs.ledger.entry_columns import record_decision_bytes
from ivs.ledger.keys import create_ledger_key, ledger_key_path, load_ledger_key
from ivs.ledger.log import Ledger
from ivs.ledger.verify import verify_consistency, verify_inclusion
from ivs.store import open_store


def run(entries: int, batch: int, home: Path, *, verify_only: bool) -> None:
    settings = load_settings(home=home)
    key_path = ledger_key_path(settings)
    key = load_ledger_key(key_path) if key_path.exists() else create_ledger_key(key_path)
    ledger = Ledger(open_store(settings), key)
    at = datetime(2025, 3, 1, tzinfo=UTC)
    if not verify_only:
        start = time.perf_counter()
        done = 0
        while done < entries:
            count = min(batch, entries - done)
            ids = [f"R{done + i:09d}" for i in range(count)]
            ledger.append_encoded(
                [EntryKind.RECORD_DECISION.value] * count,
                lambda first, ids=ids, count=count, done=done: record_decision_bytes(
                    first,
                    at=at,
                    agency="A",
                    batch_id=f"B{done // 100_000:05d}",
                    rule_set="9f2c" * 16,
                    software_version="0.1.0",
                    request_ids=ids,
                    outcomes=["NOT_DISCLOSED"] * count,
                    codes=["NO_CANDIDATE"] * count,
                    states=["TX"] * count,
                    scores=[None] * count,
                ),
            )
            done += count
        append_s = time.perf_counter() - start
        print(f"append: {entries:,} entries in {append_s:.1f} s = {entries / append_s:,.0f}/s")
    entries = ledger.head().size

    start = time.perf_counter()
    report = ledger.verify()
    verify_s = time.perf_counter() - start
    print(
        f"verify: {report.entries:,} entries, {report.signed_heads:,} signed heads in "
        f"{verify_s:.1f} s = {report.entries / verify_s:,.0f} entries/s; ok={report.ok}"
    )

    rng = random.Random(1)
    proof_ms = []
    for _ in range(50):
        index = rng.randrange(entries)
        t = time.perf_counter()
        proof = ledger.inclusion_proof(index)
        proof_ms.append((time.perf_counter() - t) * 1000)
        verify_inclusion(proof.leaf_hash, index, proof.tree_size, proof.audit_path, proof.root)
    print(
        f"inclusion proof: median {statistics.median(proof_ms):.2f} ms, "
        f"max {max(proof_ms):.2f} ms over 50 random entries (all verified)"
    )
    t = time.perf_counter()
    consistency = ledger.consistency_proof(entries // 3 + 7)
    print(f"consistency proof: {(time.perf_counter() - t) * 1000:.2f} ms")
    verify_consistency(
        consistency.old_size,
        consistency.new_size,
        consistency.old_root,
        consistency.new_root,
        consistency.path,
    )
    size = (home / "ivs.sqlite3").stat().st_size
    print(f"database: {size / 1e6:,.0f} MB ({size / entries:.0f} bytes an entry)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_280_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument(
        "--verify-only", action="store_true", help="Measure the ledger already in --dir."
    )
    args = parser.parse_args()
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
        run(args.entries, args.batch, args.dir, verify_only=args.verify_only)
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(args.entries, args.batch, Path(tmp), verify_only=False)


if __name__ == "__main__":
    main()
