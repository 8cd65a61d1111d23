"""Full verification of the stored ledger: every entry, the tree, every signed head.

Reads the log once, in index order, and stops at the first problem, naming the entry:

- a missing index (deleted row), a row past the recorded size (inserted row), an entry whose
  bytes name another index (moved or reordered rows): exactly that entry;
- bytes that are not a canonical entry, a ``kind`` column that disagrees with them, bytes
  that do not hash to the stored leaf hash (edited content): exactly that entry;
- bytes rewritten together with their leaf hash: the first entry of the smallest stored
  subtree (16 entries) whose recomputed hash differs from the hash kept at append time;
- a tree that disagrees with a signed head, or a head whose signature fails: the first entry
  after the last head that matched, since the signature is the one thing an administrator
  of the database cannot forge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ivs.domain.errors import LedgerError
from ivs.ledger.entries import entry_header
from ivs.ledger.merkle import MerkleFrontier, leaf_hash
from ivs.ledger.stored_tree import MIN_STORED_LEVEL
from ivs.ledger.tree_head import SignedTreeHead, key_id, verify_tree_head
from ivs.store.ledger_tables import (
    ledger_entries,
    ledger_signed_heads,
    ledger_state,
    ledger_subtrees,
)

__all__ = ["VerifyReport", "verify_log"]

_CHUNK = 20_000


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What ``verify`` found: ``problem`` is None when the whole ledger is intact."""

    entries: int  # entries checked and found intact, from index 0
    root: bytes  # the tree hash of those entries
    signed_heads: int  # signed heads whose signature and root were checked
    first_bad_index: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Failure(Exception):
    def __init__(self, index: int | None, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


def _subtrees_completed_in(
    conn: sa.Connection, start: int, end: int
) -> dict[tuple[int, int], bytes]:
    """Stored subtree hashes of the subtrees that end inside entries ``[start, end)``."""
    clauses = []
    for level in range(MIN_STORED_LEVEL, max(end.bit_length(), MIN_STORED_LEVEL + 1)):
        first, stop = start >> level, end >> level
        if stop > first:
            clauses.append(
                sa.and_(
                    ledger_subtrees.c.level == level,
                    ledger_subtrees.c.position >= first,
                    ledger_subtrees.c.position < stop,
                )
            )
    if not clauses:
        return {}
    rows = conn.execute(sa.select(ledger_subtrees).where(sa.or_(*clauses))).all()
    return {(r.level, r.position): bytes(r.hash) for r in rows}


class _Verifier:
    def __init__(self, conn: sa.Connection, public_keys: Sequence[bytes]) -> None:
        self.conn = conn
        self.public_keys = list(public_keys)
        self.frontier = MerkleFrontier()
        self.heads_checked = 0
        self.last_matching_head = 0
        state = conn.execute(
            sa.select(ledger_state).where(ledger_state.c.state_id == 1)
        ).one_or_none()
        self.state_size = 0 if state is None else int(state.tree_size)
        self.state_frontier = None if state is None else bytes(state.frontier)
        self.heads = [
            (int(r.head_id), int(r.tree_size), bytes(r.signed_head))
            for r in conn.execute(
                sa.select(ledger_signed_heads).order_by(
                    ledger_signed_heads.c.tree_size, ledger_signed_heads.c.head_id
                )
            )
        ]
        self.next_head = 0

    def run(self) -> None:
        self.check_heads_at(0)
        expected = 0
        while True:
            e = ledger_entries.c
            rows = self.conn.execute(
                sa.select(e.entry_index, e.kind, e.entry, e.leaf_hash)
                .where(e.entry_index >= expected)
                .order_by(e.entry_index)
                .limit(_CHUNK)
            ).all()
            if not rows:
                break
            subtrees = _subtrees_completed_in(self.conn, expected, rows[-1][0] + 1)
            for row in rows:
                self.check_entry(expected, row, subtrees)
                expected += 1
                self.check_heads_at(expected)
        self.check_end(expected)

    def check_entry(self, expected: int, row: Any, subtrees: dict[tuple[int, int], bytes]) -> None:
        index, kind, data, stored_leaf = int(row[0]), row[1], bytes(row[2]), bytes(row[3])
        if index != expected:
            if expected >= self.state_size:
                raise _Failure(
                    index,
                    f"entry {index} lies past the ledger's recorded size of {self.state_size}: "
                    "it was written into the table directly, not appended.",
                )
            raise _Failure(
                expected,
                f"entry {expected} is missing (the next stored entry is {index}): it was "
                "deleted, or the entries after it were renumbered.",
            )
        if index >= self.state_size:
            raise _Failure(
                index,
                f"entry {index} lies past the ledger's recorded size of {self.state_size}: it "
                "was written into the table directly, not appended.",
            )
        try:
            embedded, entry_kind = entry_header(data)
        except LedgerError as e:
            raise _Failure(index, f"entry {index} is not a well-formed entry: {e}") from e
        if embedded != index:
            raise _Failure(
                index,
                f"entry {index} holds the bytes of entry {embedded}: entries were moved, "
                "reordered or inserted.",
            )
        if entry_kind != kind:
            raise _Failure(
                index,
                f"entry {index} is a {entry_kind} entry but its row says "
                f"{kind!r}: the row was edited.",
            )
        leaf = leaf_hash(data)
        if leaf != stored_leaf:
            raise _Failure(
                index,
                f"entry {index}'s bytes do not hash to the leaf hash recorded when it was "
                "appended: its content was changed afterwards.",
            )
        completed = self.frontier.append_with_subtrees(leaf)
        for level in range(MIN_STORED_LEVEL, len(completed)):
            position = index >> level
            if subtrees.get((level, position)) != completed[level]:
                first = position << level
                raise _Failure(
                    first,
                    f"entries {first} to {index} do not hash to the subtree hash recorded when "
                    "they were appended: at least one of them, from entry "
                    f"{first} on, was rewritten together with its leaf hash.",
                )

    def check_heads_at(self, size: int) -> None:
        while self.next_head < len(self.heads) and self.heads[self.next_head][1] == size:
            head_id, _, stored = self.heads[self.next_head]
            self.next_head += 1
            self.check_head(head_id, size, stored)

    def check_head(self, head_id: int, size: int, stored: bytes) -> None:
        since = self.last_matching_head
        try:
            signed = SignedTreeHead.from_bytes(stored)
            key = next(
                (k for k in self.public_keys if key_id(k) == signed.key_id), self.public_keys[0]
            )
            verify_tree_head(signed, key)
        except LedgerError as e:
            raise _Failure(
                since if size else None,
                f"signed head {head_id} (of {size} entries) does not verify: {e}",
            ) from e
        if signed.head.size != size or signed.head.root != self.frontier.root():
            raise _Failure(
                since,
                f"the first {size} entries do not hash to the root signed in head {head_id} "
                f"({signed.head.root.hex()}): an entry from {since} on (after the last head "
                "that matched) was changed after it was signed.",
            )
        self.heads_checked += 1
        self.last_matching_head = size

    def check_end(self, size: int) -> None:
        if size < self.state_size:
            raise _Failure(
                size,
                f"entries {size} to {self.state_size - 1} are missing: the ledger recorded "
                f"{self.state_size} entries, so its end was deleted.",
            )
        if self.next_head < len(self.heads):
            head_id, head_size, _ = self.heads[self.next_head]
            raise _Failure(
                size,
                f"signed head {head_id} covers {head_size} entries but only {size} are stored: "
                "entries were deleted from the end of the ledger.",
            )
        if self.state_frontier is not None and self.state_frontier != self.frontier.to_bytes():
            raise _Failure(
                None,
                "the stored right edge of the tree (ledger_state) does not match the entries: "
                "it was edited, and the next append would build on a wrong root.",
            )
        expected_rows = sum(size >> level for level in range(MIN_STORED_LEVEL, 64))
        stored_rows = self.conn.execute(
            sa.select(sa.func.count()).select_from(ledger_subtrees)
        ).scalar_one()
        if stored_rows != expected_rows:
            raise _Failure(
                None,
                f"the subtree table holds {stored_rows} hashes where the log of {size} entries "
                f"has {expected_rows}: rows were added to it directly.",
            )


def verify_log(conn: sa.Connection, public_keys: Sequence[bytes]) -> VerifyReport:
    """Check the whole stored ledger against ``public_keys`` (the ledger's trusted keys)."""
    if not public_keys:
        raise LedgerError("verifying the ledger needs at least one trusted public key")
    verifier = _Verifier(conn, public_keys)
    try:
        verifier.run()
    except _Failure as failure:
        return VerifyReport(
            entries=verifier.frontier.size,
            root=verifier.frontier.root(),
            signed_heads=verifier.heads_checked,
            first_bad_index=failure.index,
            problem=failure.message,
        )
    return VerifyReport(
        entries=verifier.frontier.size,
        root=verifier.frontier.root(),
        signed_heads=verifier.heads_checked,
    )
