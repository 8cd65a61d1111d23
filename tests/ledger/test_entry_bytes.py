"""``Ledger.entry_bytes``: the stored bytes of chosen kinds, in order, in chunks, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ivs.domain.errors import LedgerError
from ivs.ledger.entries import Entry, parse_entry, purge, record_decision
from ivs.ledger.log import Ledger

AT = datetime(2025, 3, 1, tzinfo=UTC)


def _decision(k: int) -> Entry:
    return record_decision(
        at=AT,
        agency="A",
        batch_id="B",
        request_id=f"R{k}",
        outcome="REJECTED",
        code="TIN_IMPOSSIBLE",
        rule_set="r",
        software_version="1",
        state="TX",
        score=None,
    )


def test_entry_bytes_reads_kinds_in_ranges_and_chunks(ledger: Ledger) -> None:
    entries: list[Entry] = []
    for k in range(25):
        entries.append(_decision(k))
        if k % 5 == 0:
            entries.append(purge(at=AT, what="work", before="2025-01-01", items=k, purged_by="x"))
    ledger.append(entries)

    chunks = list(ledger.entry_bytes(["record_decision"], chunk=7))
    assert [len(c) for c in chunks] == [7, 7, 7, 4]
    parsed = [parse_entry(data) for chunk in chunks for data in chunk]
    assert [entry.body["request_id"] for _, entry in parsed] == [f"R{k}" for k in range(25)]
    indexes = [index for index, _ in parsed]
    assert indexes == sorted(indexes)

    purges = [parse_entry(d)[0] for c in ledger.entry_bytes(["purge"]) for d in c]
    assert purges == [1, 7, 13, 19, 25]
    window = [parse_entry(d)[0] for c in ledger.entry_bytes(["purge"], start=7, stop=20) for d in c]
    assert window == [7, 13, 19]
    both = [d for c in ledger.entry_bytes(["purge", "record_decision"]) for d in c]
    assert len(both) == len(entries)
    assert list(ledger.entry_bytes(["hold_placed"])) == []


def test_entry_bytes_refuses_unknown_kinds(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="unknown entry kinds"):
        list(ledger.entry_bytes(["record_decision'; DROP TABLE ledger_entries; --"]))
