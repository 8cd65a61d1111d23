"""The ledger's Merkle tree as stored: subtree hashes and leaf hashes read from the tables.

Aligned perfect subtrees of ``2^MIN_STORED_LEVEL`` leaves and more are kept in
``ledger_subtrees`` as they complete; below that level a hash is computed from the leaf
hashes in ``ledger_entries``. At 16 leaves a subtree, the table holds one row for every
eight entries, and an inclusion proof on a log of ten million entries reads about forty
rows.
"""

from __future__ import annotations

import sqlalchemy as sa

from ivs.domain.errors import LedgerError
from ivs.ledger.merkle import EMPTY_ROOT, largest_power_of_two_below, node_hash
from ivs.ledger.merkle import root_from_leaf_hashes as _root
from ivs.store.ledger_tables import ledger_entries, ledger_subtrees

__all__ = ["MIN_STORED_LEVEL", "StoredTree"]

MIN_STORED_LEVEL = 4


class StoredTree:
    """A :class:`~ivs.ledger.proofs.SubtreeHashes` over the store, for a log of ``size``."""

    __slots__ = ("_conn", "_size")

    def __init__(self, conn: sa.Connection, size: int) -> None:
        self._conn = conn
        self._size = size

    @property
    def size(self) -> int:
        return self._size

    def subtree_hash(self, start: int, end: int) -> bytes:
        if start == end == 0:
            return EMPTY_ROOT
        if not 0 <= start < end <= self._size:
            raise LedgerError(
                f"leaf range [{start}, {end}) is not a non-empty part of a log of "
                f"{self._size} entries; no subtree hash exists for it."
            )
        return self._range_hash(start, end)

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        rows = self._conn.execute(
            sa.select(ledger_entries.c.entry_index, ledger_entries.c.leaf_hash)
            .where(ledger_entries.c.entry_index >= start, ledger_entries.c.entry_index < end)
            .order_by(ledger_entries.c.entry_index)
        ).all()
        if [r.entry_index for r in rows] != list(range(start, end)):
            raise LedgerError(
                f"ledger entries {start} to {end - 1} are not all in the store: the log has "
                "lost entries. Run `ivs ledger verify` to find the first missing one."
            )
        return [bytes(r.leaf_hash) for r in rows]

    def _stored(self, level: int, position: int) -> bytes:
        value = self._conn.execute(
            sa.select(ledger_subtrees.c.hash).where(
                ledger_subtrees.c.level == level, ledger_subtrees.c.position == position
            )
        ).scalar_one_or_none()
        if value is None:
            first = position << level
            raise LedgerError(
                f"the stored hash of entries {first} to {first + (1 << level) - 1} is missing: "
                "the tree's subtree table has lost rows. Run `ivs ledger verify`."
            )
        return bytes(value)

    def _range_hash(self, start: int, end: int) -> bytes:
        width = end - start
        if width & (width - 1) == 0 and start % width == 0:
            level = width.bit_length() - 1
            if level >= MIN_STORED_LEVEL:
                return self._stored(level, start >> level)
        if width <= 1 << MIN_STORED_LEVEL:
            return _root(self.leaf_hashes(start, end))
        middle = start + largest_power_of_two_below(width)
        return node_hash(self._range_hash(start, middle), self._range_hash(middle, end))
