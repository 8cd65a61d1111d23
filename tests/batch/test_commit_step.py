"""The bulk commit of a batch's decisions records exactly what one entry at a time would.

Every record's ``record_decision`` entry and every disclosure's ``disclosure`` entry is
rebuilt here with the one-entry constructors, row by row, holds applied as the law requires,
and compared byte for byte with what the columnar commit stored; so are the records' rows.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ivs.batch.commit_step import (
    BatchAccount,
    CommittedChunk,
    commit_decisions,
    committed_decisions,
)
from ivs.disclose.holds import place_hold
from ivs.domain.schema import ADDRESS_FIELDS
from ivs.domain.settings import load_settings
from ivs.formats.manifest import Recipient
from ivs.ledger.entries import (
    disclosed_values_digest,
    disclosure,
    hold_placed,
    instant,
    record_decision,
)
from ivs.ledger.log import Ledger
from ivs.store import open_store
from ivs.store.schema import batches

pytestmark = pytest.mark.usefixtures("store_backend")

T0 = datetime(2025, 6, 28, 12, 0, 0, 123000, tzinfo=UTC)
ODD = ['a"b', "c\\d", "e\nf", "ü ñ 東", "\x01", ""]
ACCOUNT = BatchAccount(
    batch_id="B-1",
    agency="DHS-ICE",
    recipients=[Recipient("A. Officer", "Agent", "ERO"), Recipient('B "Q"', "Chief", "HQ")],
    statute="8 U.S.C. 1253(a)(1)",
    purpose="removal",
    rule_set="ab" * 32,
    software_version="0.1.0",
)


def _decisions(count: int, rng: random.Random) -> pa.Table:
    def text(p_null: float, pool: list[str] | None = None) -> str | None:
        if rng.random() < p_null:
            return None
        if pool:
            return rng.choice(pool)
        return rng.choice(ODD) if rng.random() < 0.1 else f"X{rng.randrange(10**6)}"

    rows = []
    for i in range(count):
        disclosed = rng.random() < 0.58
        rows.append(
            {
                "request_id": rng.choice(["R", *ODD]) + str(i),
                "outcome": "DISCLOSED" if disclosed else rng.choice(["NOT_DISCLOSED", "REJECTED"]),
                "decision_code": "MATCHED" if disclosed else rng.choice(["NO_CANDIDATE", 'w"x']),
                "matched_tin": f"{rng.randrange(10**9):09d}" if disclosed else None,
                "best_tin": f"{rng.randrange(10**9):09d}" if rng.random() < 0.9 else None,
                "match_probability": rng.choice([None, rng.random(), 0.0078125, -0.0, 1.0]),
                "request_state": text(0.1, ["TX", "OR", "CA", 'é"', "\n"]),
                "disclosed_street_address": text(0.0) if disclosed else None,
                "disclosed_unit": text(0.7) if disclosed else None,
                "disclosed_city": text(0.0, ["HOUSTON", "Ñandú", 'a"b']) if disclosed else None,
                "disclosed_state": text(0.0, ["TX", "OR"]) if disclosed else None,
                "disclosed_zip": text(0.1, ["77002", "97201"]) if disclosed else None,
            }
        )
    return pa.Table.from_pylist(rows)


def _expected(
    rows: list[dict[str, Any]], chunk: int, first_index: int, clock: list[datetime]
) -> tuple[list[bytes], list[tuple[object, ...]]]:
    """Entries and records' rows as the one-entry constructors make them, chunk by chunk."""
    entries: list[bytes] = []
    records: list[tuple[object, ...]] = []
    index = first_index
    for start, at in zip(range(0, len(rows), chunk), clock, strict=False):
        part = rows[start : start + chunk]
        decided: list[tuple[str, str]] = []
        for row in part:
            # The hold on Oregon covers a request or a disclosed address there.
            held = row["outcome"] == "DISCLOSED" and "OR" in (
                row["request_state"],
                row["disclosed_state"],
            )
            outcome, code = (
                ("NOT_DISCLOSED", "HELD") if held else (row["outcome"], row["decision_code"])
            )
            decided.append((outcome, code))
            probability = row["match_probability"]
            entries.append(
                record_decision(
                    at=at,
                    agency=ACCOUNT.agency,
                    batch_id=ACCOUNT.batch_id,
                    request_id=row["request_id"],
                    outcome=outcome,
                    code=code,
                    rule_set=ACCOUNT.rule_set,
                    software_version=ACCOUNT.software_version,
                    state=row["request_state"],
                    score=None if probability is None else f"{probability:.6f}",
                ).to_bytes(index)
            )
            index += 1
        disclosure_of: dict[int, int] = {}
        for k, (row, (outcome, _)) in enumerate(zip(part, decided, strict=True)):
            if outcome != "DISCLOSED":
                continue
            digest = disclosed_values_digest({f: row[f"disclosed_{f}"] for f in ADDRESS_FIELDS})
            entries.append(
                disclosure(
                    at=at,
                    batch_id=ACCOUNT.batch_id,
                    request_id=row["request_id"],
                    tin=row["matched_tin"],
                    recipient_agency=ACCOUNT.agency,
                    recipients=ACCOUNT.recipients,
                    statute=ACCOUNT.statute,
                    purpose=ACCOUNT.purpose,
                    fields=ADDRESS_FIELDS,
                    values_digest=digest,
                ).to_bytes(index)
            )
            disclosure_of[k] = index
            index += 1
        decision_first = index - len(part) - len(disclosure_of)
        for k, (row, (outcome, code)) in enumerate(zip(part, decided, strict=True)):
            records.append(
                (
                    ACCOUNT.batch_id,
                    start + k,
                    row["request_id"],
                    outcome,
                    code,
                    row["best_tin"],
                    row["request_state"],
                    decision_first + k,
                    disclosure_of.get(k),
                    instant(at),
                )
            )
    return entries, records


def _register_batch(store: sa.Engine, count: int) -> None:
    with store.begin() as conn:
        conn.execute(
            batches.insert().values(
                batch_id=ACCOUNT.batch_id,
                manifest_digest="0" * 64,
                requesting_agency=ACCOUNT.agency,
                record_count=count,
                status="running",
                received_at="2025-06-28T00:00:00",
            )
        )


@pytest.mark.parametrize(("seed", "count", "chunk"), [(0, 300, 37), (1, 251, 1000), (2, 64, 16)])
def test_the_columnar_commit_records_what_one_entry_at_a_time_would(
    seed: int, count: int, chunk: int
) -> None:
    rng = random.Random(seed)
    store = open_store(load_settings())
    ledger = Ledger(store, Ed25519PrivateKey.generate(), checkpoint_interval=rng.choice([7, 1000]))
    # A log that does not start at a round size, and a hold in force on Oregon.
    ledger.append([hold_placed(at=T0, hold_id=f"P{i}", scope="s", authority="a", placed_by="p",
                               reason="r") for i in range(rng.randrange(1, 40))])  # fmt: skip
    place_hold(store, ledger, scope="state:OR", order="order 1", placed_by="clerk", now=T0)
    first_index = ledger.head().size
    decisions = _decisions(count, rng)
    _register_batch(store, count)
    clock = [T0 + timedelta(seconds=1 + k) for k in range(-(-count // chunk))]
    ticks = iter(clock)

    committed_here = commit_decisions(
        store, ledger, decisions, ACCOUNT, chunk_records=chunk, clock=lambda: next(ticks)
    )

    expected_entries, expected_records = _expected(decisions.to_pylist(), chunk, first_index, clock)
    with store.connect() as conn:
        stored_entries = [
            bytes(row[0])
            for row in conn.execute(
                sa.text(
                    "SELECT entry FROM ledger_entries WHERE entry_index >= :first "
                    "ORDER BY entry_index"
                ),
                {"first": first_index},
            )
        ]
        stored_records = [
            tuple(row)
            for row in conn.execute(
                sa.text(
                    "SELECT batch_id, row, request_id, outcome, code, tin, request_state, "
                    "decision_entry, disclosure_entry, decided_at FROM batch_records ORDER BY row"
                )
            )
        ]
    assert stored_entries == expected_entries
    assert stored_records == expected_records
    assert ledger.verify().ok

    read_back = committed_decisions(store, decisions, ACCOUNT.key)
    # What this run's transactions committed is what the store holds.
    assert committed_decisions(store, decisions, ACCOUNT.key, committed_here) == read_back
    committed = read_back.to_pylist()
    for row, record in zip(committed, expected_records, strict=True):
        assert (row["outcome"], row["decision_code"]) == record[3:5]
        if row["outcome"] != "DISCLOSED":
            assert row["matched_tin"] is None
            assert all(row[f"disclosed_{f}"] is None for f in ADDRESS_FIELDS)


def test_rows_this_run_did_not_commit_are_read_back() -> None:
    store = open_store(load_settings())
    ledger = Ledger(store, Ed25519PrivateKey.generate())
    decisions = _decisions(50, random.Random(3))
    _register_batch(store, 50)
    # An earlier run committed the first 20 records; this one the rest.
    commit_decisions(
        store, ledger, decisions.slice(0, 20), ACCOUNT, chunk_records=8, clock=lambda: T0
    )
    resumed = commit_decisions(store, ledger, decisions, ACCOUNT, chunk_records=8, clock=lambda: T0)
    assert [c.first_row for c in resumed] == [20, 28, 36, 44]
    read_back = committed_decisions(store, decisions, ACCOUNT.key)
    assert committed_decisions(store, decisions, ACCOUNT.key, resumed) == read_back
    # Where this run's chunks cover every row they are used as they are, without a read.
    refused = [
        CommittedChunk(0, pa.array(["NOT_DISCLOSED"] * 20), pa.array(["X"] * 20)),
        *resumed,
    ]
    answered = committed_decisions(store, decisions, ACCOUNT.key, refused)
    assert answered.column("decision_code").to_pylist()[:20] == ["X"] * 20
    assert (
        answered.column("outcome").to_pylist()[20:] == read_back.column("outcome").to_pylist()[20:]
    )
