"""Hashes of the aligned perfect subtrees of an append-only log, kept up to date on append.

An aligned perfect subtree at level k covers the leaves ``[i·2^k, (i+1)·2^k)``; once the log
has grown past it, its hash never changes. Keeping every such hash from level ``min_level``
up costs ``32·n / 2^min_level`` bytes for all levels together and turns every subtree hash a
proof needs into one lookup, or into hashing fewer than ``2^min_level`` leaves below that
level. ``min_level = 0`` keeps the leaf hashes themselves and needs no leaf reader; a store
that already holds the leaf hashes in a table passes a reader and a higher ``min_level``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ivs.domain.errors import LedgerError
from ivs.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MerkleFrontier,
    check_leaf_hashes,
    largest_power_of_two_below,
    node_hash,
    parent_level,
    root_from_leaf_hashes,
)

__all__ = ["LeafReader", "SubtreeCache"]

LeafReader = Callable[[int, int], Sequence[bytes]]
"""Reads the leaf hashes ``[start, end)`` of the log, in order."""


class SubtreeCache:
    """In-memory perfect-subtree hashes of a log; a :class:`~ivs.ledger.proofs.SubtreeHashes`.

    Each level is one ``bytearray`` of concatenated 32-byte hashes, which is about a third of
    the memory of a list of ``bytes`` objects and can be written out as it is.
    """

    __slots__ = ("_frontier", "_levels", "_min_level", "_read_leaves")

    def __init__(self, *, min_level: int = 0, read_leaf_hashes: LeafReader | None = None) -> None:
        if min_level < 0 or min_level > 63:
            raise LedgerError(f"min_level must be 0 to 63, got {min_level}")
        if min_level > 0 and read_leaf_hashes is None:
            raise LedgerError(
                f"a subtree cache from level {min_level} does not hold the leaf hashes, so it "
                "needs read_leaf_hashes to hash the levels below; pass one or use min_level=0."
            )
        self._min_level = min_level
        self._read_leaves = read_leaf_hashes
        self._frontier = MerkleFrontier()
        self._levels: list[bytearray] = []

    @classmethod
    def from_leaf_hashes(
        cls,
        leaf_hashes: Sequence[bytes],
        *,
        min_level: int = 0,
        read_leaf_hashes: LeafReader | None = None,
    ) -> SubtreeCache:
        """Build the cache of an existing log in one pass, level by level."""
        cache = cls(min_level=min_level, read_leaf_hashes=read_leaf_hashes)
        check_leaf_hashes(leaf_hashes)
        size = len(leaf_hashes)
        frontier_hashes: list[bytes] = []
        # Level h holds the size >> h aligned perfect subtrees of 2^h leaves. Pairing only an
        # even number of nodes keeps a ragged right-edge node from being carried up as if it
        # were a perfect subtree of the next level.
        level: Sequence[bytes] = leaf_hashes
        height = 0
        while level:
            if height >= min_level:
                cache._levels.append(bytearray(b"".join(level)))
            if (size >> height) & 1:
                frontier_hashes.append(bytes(level[-1]))
            level = parent_level(level[: len(level) & ~1]) if len(level) > 1 else []
            height += 1
        frontier_hashes.reverse()
        cache._frontier = MerkleFrontier.from_hashes(size, frontier_hashes)
        return cache

    @property
    def size(self) -> int:
        return self._frontier.size

    @property
    def min_level(self) -> int:
        return self._min_level

    @property
    def frontier(self) -> MerkleFrontier:
        return self._frontier.copy()

    def append(self, leaf_hash: bytes) -> None:
        completed = self._frontier.append_with_subtrees(leaf_hash)
        levels = self._levels
        for height in range(self._min_level, len(completed)):
            index = height - self._min_level
            if index == len(levels):
                levels.append(bytearray())
            levels[index] += completed[height]

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for value in leaf_hashes:
            self.append(value)

    def root(self) -> bytes:
        return self._frontier.root()

    def perfect_subtree_hash(self, height: int, index: int) -> bytes | None:
        """The hash of leaves ``[index·2^height, (index+1)·2^height)``, if cached."""
        offset = height - self._min_level
        if offset < 0 or offset >= len(self._levels):
            return None
        level = self._levels[offset]
        at = index * HASH_SIZE
        if index < 0 or at + HASH_SIZE > len(level):
            return None
        return bytes(level[at : at + HASH_SIZE])

    def leaf_hashes(self, start: int, end: int) -> Sequence[bytes]:
        """The leaf hashes ``[start, end)``, from the cache or from the leaf reader."""
        if self._min_level == 0:
            level = self._levels[0] if self._levels else bytearray()
            return [
                bytes(level[at : at + HASH_SIZE])
                for at in range(start * HASH_SIZE, end * HASH_SIZE, HASH_SIZE)
            ]
        assert self._read_leaves is not None  # the constructor requires it above level 0
        leaves = self._read_leaves(start, end)
        if len(leaves) != end - start:
            raise LedgerError(
                f"the leaf reader returned {len(leaves)} leaf hashes for [{start}, {end}): "
                "the log store and its subtree cache disagree. Rebuild the cache from the log."
            )
        return leaves

    def subtree_hash(self, start: int, end: int) -> bytes:
        """MTH of leaves ``[start, end)``: lookups for aligned perfect parts, hashing below."""
        if start == end == 0:
            return EMPTY_ROOT
        if not 0 <= start < end <= self.size:
            raise LedgerError(
                f"leaf range [{start}, {end}) is not a non-empty part of a log of "
                f"{self.size} leaves; no subtree hash exists for it."
            )
        return self._range_hash(start, end)

    def _range_hash(self, start: int, end: int) -> bytes:
        width = end - start
        if width & (width - 1) == 0 and start % width == 0:
            cached = self.perfect_subtree_hash(width.bit_length() - 1, start // width)
            if cached is not None:
                return cached
        if width <= 1 << self._min_level:
            return root_from_leaf_hashes(self.leaf_hashes(start, end))
        middle = start + largest_power_of_two_below(width)
        left = self._range_hash(start, middle)
        right = self._range_hash(middle, end)
        return node_hash(left, right)
