"""What recording a batch on the ledger costs: `commit_decisions` for a 1.28 M-record batch.

    .venv/bin/python benchmarks/bench_commit.py [--records 1280000] [--disclosed 0.58]
        [--chunk 200000] [--database-url URL]

Builds a decisions table shaped as `ivs run` makes it (a share of records DISCLOSED with an
address), registers the batch, and times the exactly-once commit: per chunk, the hold check,
one ``record_decision`` entry per record, one ``disclosure`` entry per disclosure, the records'
rows and the progress mark, in one durable transaction. Then `committed_decisions` (what the
response is written from) and the signed head `ivs run` ends with. SQLite under a temporary
$IVS_HOME unless --database-url is given (PostgreSQL: in a schema of its own, dropped
afterwards).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ivs.batch.commit_step import BatchAccount, commit_decisions, committed_decisions
from ivs.domain.settings import load_settings
from ivs.formats.manifest import Recipient
from ivs.ledger.log import Ledger
from ivs.store import open_store
from ivs.store.migrate import upgrade_store
from ivs.store.schema import batches


def decisions_table(records: int, disclosed_share: float) -> pa.Table:
    # Spread evenly: record i is disclosed when the running share passes a whole number.
    disclosed = [int((i + 1) * disclosed_share) > int(i * disclosed_share) for i in range(records)]

    # Taxpayers in no particular order, as matching finds them in a 10 M master.
    tins = [f"{100000000 + t}" for t in random.Random(0).sample(range(10_000_000), records)]

    def where(values: list[str]) -> list[str | None]:
        return [value if d else None for value, d in zip(values, disclosed, strict=True)]

    return pa.table(
        {
            "request_id": [f"R{i:09d}" for i in range(records)],
            "outcome": ["DISCLOSED" if d else "NOT_DISCLOSED" for d in disclosed],
            "decision_code": ["MATCHED" if d else "NO_CANDIDATE" for d in disclosed],
            "matched_tin": [t if d else None for t, d in zip(tins, disclosed, strict=True)],
            "best_tin": tins,
            "match_probability": [0.9999 if d else None for d in disclosed],
            "request_state": ["TX"] * records,
            # Addresses as varied as a real batch's: the digest of each is computed anyway,
            # but quoting a column of one value costs less than quoting distinct ones.
            "disclosed_street_address": where(
                [f"{i % 9973 + 1} N MAIN ST" for i in range(records)]
            ),
            "disclosed_unit": [None] * records,
            "disclosed_city": where([f"CITY {i % 997}" for i in range(records)]),
            "disclosed_state": where(["TX"] * records),
            "disclosed_zip": where([f"{77000 + i % 1000:05d}" for i in range(records)]),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_280_000)
    parser.add_argument("--disclosed", type=float, default=0.58)
    parser.add_argument("--chunk", type=int, default=200_000)  # commit_chunk_records
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        schema = f"ivs_bench_{uuid.uuid4().hex[:8]}"
        if args.database_url:
            # A schema of its own, migrated as `ivs db upgrade` does, dropped at the end.
            admin = sa.create_engine(args.database_url)
            with admin.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            store = sa.create_engine(
                args.database_url, connect_args={"options": f"-csearch_path={schema}"}
            )
            upgrade_store(store)
        else:
            store = open_store(load_settings(home=Path(home)))
        ledger = Ledger(store, Ed25519PrivateKey.generate())
        table = decisions_table(args.records, args.disclosed)
        with store.begin() as conn:
            conn.execute(
                batches.insert().values(
                    batch_id="BENCH",
                    manifest_digest="0" * 64,
                    requesting_agency="DHS-ICE",
                    record_count=args.records,
                    status="running",
                    received_at="2025-06-28T00:00:00",
                )
            )
        account = BatchAccount(
            "BENCH",
            "DHS-ICE",
            # As `ivs synth` writes them: every disclosure entry repeats them.
            [
                Recipient("Special Agent (synthetic) A", "Special Agent", "ERO Houston"),
                Recipient(
                    "Deportation Officer (synthetic) B", "Deportation Officer", "ERO Los Angeles"
                ),
            ],
            "8 U.S.C. 1253(a)(1)",
            "Investigation of willful failure to depart after a final order of removal",
            "ab" * 32,
            "bench",
        )
        started = time.perf_counter()
        cpu_started = time.process_time()
        commit_decisions(
            store, ledger, table, account, chunk_records=args.chunk, clock=lambda: datetime.now(UTC)
        )
        commit = time.perf_counter() - started
        commit_cpu = time.process_time() - cpu_started
        started = time.perf_counter()
        committed_decisions(store, table, account.key)
        read_back = time.perf_counter() - started
        started = time.perf_counter()
        ledger.checkpoint()
        checkpoint = time.perf_counter() - started
        with store.connect() as conn:
            size = conn.execute(sa.text("SELECT count(*) FROM ledger_entries")).scalar_one()
        backend = "PostgreSQL" if args.database_url else "SQLite (WAL, synchronous=FULL)"
        print(
            f"{backend}: {args.records:,} records ({args.disclosed:.0%} disclosed), "
            f"{size:,} entries, chunks of {args.chunk:,}: commit {commit:.1f}s "
            f"({args.records / commit:,.0f} records/s; CPU {commit_cpu:.1f}s), "
            f"read back {read_back:.1f}s, final signed head {checkpoint * 1000:.0f} ms"
        )
        if args.database_url:
            store.dispose()
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
