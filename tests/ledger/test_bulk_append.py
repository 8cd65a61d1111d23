"""Appending a chunk at once stores exactly what appending its entries one by one stored.

The oracle below is the per-entry append as the ledger first wrote it: a leaf hash and
``MerkleFrontier.append_with_subtrees`` per entry, the subtrees of 16 entries and more in
the order they complete, a signed head whenever the size reaches a multiple of the
interval. The bulk path must store the same rows, in the same order, byte for byte.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ivs.domain.errors import LedgerError
from ivs.ledger import log
from ivs.ledger.entries import Entry, hold_placed, record_decision
from ivs.ledger.log import Ledger
from ivs.ledger.merkle import MerkleFrontier, leaf_hash, leaf_hashes
from ivs.ledger.stored_tree import MIN_STORED_LEVEL
from ivs.ledger.tree_head import TreeHead, sign_tree_head

NOW = datetime(2025, 6, 28, 12, 0, 0, 123000, tzinfo=UTC)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def _leaves(count: int, seed: int) -> list[bytes]:
    return [leaf_hash(f"entry {seed}/{i}".encode()) for i in range(count)]


@settings(deadline=None, max_examples=200)
@given(
    old=st.one_of(st.integers(0, 70), st.integers(0, 5000)),
    count=st.one_of(st.integers(0, 40), st.integers(0, 700)),
)
def test_extend_with_nodes_equals_appending_leaf_by_leaf(old: int, count: int) -> None:
    leaves = _leaves(old + count, old)
    one_by_one = MerkleFrontier.from_leaf_hashes(leaves[:old])
    at_once = one_by_one.copy()
    subtrees: dict[tuple[int, int], bytes] = {}
    roots: dict[int, bytes] = {old: one_by_one.root()}
    for index in range(old, old + count):
        for level, value in enumerate(one_by_one.append_with_subtrees(leaves[index])):
            subtrees[(level, index >> level)] = value
        roots[one_by_one.size] = one_by_one.root()

    grown = at_once.extend_with_nodes(leaves[old:])

    assert at_once == one_by_one
    assert at_once.to_bytes() == one_by_one.to_bytes()
    completed = {
        (level, position): value
        for level in range(grown.height + 2)
        for position, value in enumerate(grown.completed(level)[1], grown.completed(level)[0])
    }
    assert completed == subtrees
    assert {size: grown.root(size) for size in roots} == roots


def test_extend_with_nodes_refuses_what_is_not_a_hash_and_roots_outside_the_append() -> None:
    frontier = MerkleFrontier.from_leaf_hashes(_leaves(5, 0))
    with pytest.raises(LedgerError, match="leaf hash 1"):
        frontier.extend_with_nodes([b"\x00" * 32, b"short"])
    assert frontier.size == 5
    grown = frontier.extend_with_nodes(_leaves(3, 1))
    with pytest.raises(LedgerError, match="no root of 9 leaves"):
        grown.root(9)
    with pytest.raises(LedgerError, match="no root of 4 leaves"):
        grown.root(4)


def test_leaf_hashes_are_the_leaf_hash_of_each_entry() -> None:
    entries = [b"", b"a", "é".encode(), bytes(range(256))]
    assert leaf_hashes(entries) == [leaf_hash(e) for e in entries]


class _Oracle:
    """The per-entry append: what the store must hold after the same appends."""

    def __init__(self, interval: int) -> None:
        self.interval = interval
        self.frontier = MerkleFrontier()
        self.entries: list[tuple[object, ...]] = []
        self.subtrees: list[tuple[object, ...]] = []
        self.heads: list[tuple[object, ...]] = []

    def append(self, entries: list[Entry]) -> None:
        created = log._stamp(NOW)
        for entry in entries:
            index = self.frontier.size
            data = entry.to_bytes(index)
            leaf = leaf_hash(data)
            completed = self.frontier.append_with_subtrees(leaf)
            for level in range(MIN_STORED_LEVEL, len(completed)):
                self.subtrees.append((level, index >> level, completed[level]))
            self.entries.append((index, entry.kind.value, data, leaf, created))
            if self.frontier.size % self.interval == 0:
                head = TreeHead(
                    self.frontier.size, self.frontier.root(), int(NOW.timestamp() * 1000)
                )
                self.heads.append(
                    (self.frontier.size, sign_tree_head(head, KEY).to_bytes(), created)
                )


def _entries(count: int, rng: random.Random) -> list[Entry]:
    made: list[Entry] = []
    for i in range(count):
        if rng.random() < 0.8:
            made.append(
                record_decision(
                    at=NOW,
                    agency="A",
                    batch_id="B",
                    request_id=rng.choice(["R", 'R"q', "Ré\n"]) + str(i),
                    outcome=rng.choice(["DISCLOSED", "NOT_DISCLOSED"]),
                    code="MATCHED",
                    rule_set="r",
                    software_version="v",
                    score=rng.choice([None, "0.500000"]),
                )
            )
        else:
            made.append(
                hold_placed(
                    at=NOW, hold_id=str(i), scope="all", authority="a", placed_by="p", reason="r"
                )
            )
    return made


def _stored(engine: sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    # On SQLite in insertion order (rowid); PostgreSQL places rows where it finds room, so
    # there in the order of their keys, which the oracle writes in.
    sqlite = engine.dialect.name == "sqlite"
    queries = {
        "entries": "SELECT entry_index, kind, entry, leaf_hash, created_at FROM ledger_entries "
        f"ORDER BY {'rowid' if sqlite else 'entry_index'}",
        "subtrees": "SELECT level, position, hash FROM ledger_subtrees "
        f"ORDER BY {'rowid' if sqlite else '(position + 1) * power(2, level), level'}",
        "heads": "SELECT tree_size, signed_head, created_at FROM ledger_signed_heads "
        "ORDER BY head_id",
    }
    with engine.connect() as conn:
        return {
            name: [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in conn.exec_driver_sql(sql).all()
            ]
            for name, sql in queries.items()
        }


@pytest.mark.parametrize("seed", range(6))
def test_chunks_store_exactly_what_entry_by_entry_appends_stored(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    interval = rng.choice([1, 3, 7, 10, 16, 33, 1000])
    monkeypatch.setattr(log, "_now", lambda: NOW)
    ledger = Ledger(engine, KEY, checkpoint_interval=interval)
    oracle = _Oracle(interval)
    # A start not aligned to 16 or to the interval, then chunks of awkward sizes.
    sizes = [rng.choice([0, 1, 15, 16, 17, rng.randrange(300)]) for _ in range(5)]
    for count in [rng.randrange(1, 200), *sizes]:
        chunk = _entries(count, rng)
        before = oracle.frontier.size
        assert ledger.append(chunk) == list(range(before, before + count))
        oracle.append(chunk)

    assert _stored(engine) == {
        "entries": oracle.entries,
        "subtrees": oracle.subtrees,
        "heads": oracle.heads,
    }
    with engine.connect() as conn:
        state = conn.exec_driver_sql("SELECT tree_size, frontier FROM ledger_state").one()
    assert (state[0], bytes(state[1])) == (oracle.frontier.size, oracle.frontier.to_bytes())
    assert ledger.verify().ok
