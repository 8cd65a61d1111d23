"""The Merkle tree hash of the accounting ledger (RFC 9162 §2.1.1): pure functions, no I/O.

Every request and disclosure is an entry of an append-only log; the log's tree hash commits
to every entry and its order, so a signed tree head plus short proofs lets a court or an
auditor check that an entry is on the record and that the record was only ever appended to.

    leaf hash  = SHA-256(0x00 || entry bytes)
    node hash  = SHA-256(0x01 || left || right)
    MTH({})    = SHA-256("")
    MTH(D[n])  = node hash(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two below n

The distinct prefixes keep a leaf from ever being passed off as an inner node (second
preimage). :class:`MerkleFrontier` keeps only the right edge of the tree, enough to append
and to compute the root of an ever-growing log without rereading it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from ivs.domain.errors import LedgerError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "AppendedNodes",
    "MerkleFrontier",
    "check_hash",
    "check_leaf_hashes",
    "is_power_of_two",
    "largest_power_of_two_below",
    "leaf_hash",
    "leaf_hashes",
    "node_hash",
    "parent_level",
    "root_from_leaf_hashes",
]

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

# Version byte of MerkleFrontier.to_bytes, so a stored frontier can be read after a change.
_FRONTIER_FORMAT = 1
_MAX_TREE_SIZE = (1 << 64) - 1  # sizes travel as uint64 in tree heads and proofs

_sha256 = hashlib.sha256


def leaf_hash(entry: bytes) -> bytes:
    """The hash of one ledger entry as a leaf of the tree."""
    return _sha256(LEAF_PREFIX + entry).digest()


def leaf_hashes(entries: Sequence[bytes]) -> list[bytes]:
    """:func:`leaf_hash` of each entry, in order (one comprehension: no call per entry)."""
    sha256 = _sha256
    prefix = LEAF_PREFIX
    return [sha256(prefix + entry).digest() for entry in entries]


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node from the hashes of its two children."""
    return _sha256(NODE_PREFIX + left + right).digest()


def is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def largest_power_of_two_below(n: int) -> int:
    """The split point k of RFC 9162 §2.1.1: the largest power of two strictly below n ≥ 2."""
    if n < 2:
        raise ValueError(f"a split needs at least two leaves, got {n}")
    return 1 << ((n - 1).bit_length() - 1)


def check_hash(value: bytes, what: str) -> None:
    """Raise :class:`LedgerError` unless ``value`` is a SHA-256 digest."""
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        got = f"{len(value)} bytes" if isinstance(value, bytes | bytearray) else type(value)
        raise LedgerError(
            f"{what} is not a SHA-256 hash: expected {HASH_SIZE} bytes, got {got}; "
            "the value is corrupt or truncated, so nothing can be proven with it. "
            "Export it again from the ledger."
        )


def check_leaf_hashes(leaf_hashes: Sequence[bytes]) -> None:
    """Raise :class:`LedgerError` naming the first leaf hash that is not a SHA-256 digest."""
    for index, value in enumerate(leaf_hashes):
        if len(value) != HASH_SIZE:
            check_hash(value, f"leaf hash {index}")


def parent_level(level: Sequence[bytes]) -> list[bytes]:
    """The next level up: children paired left to right, an unpaired last node carried up.

    Carrying the last node up unchanged gives exactly the RFC 9162 tree: splitting at the
    largest power of two below n keeps every left subtree perfect, so the only node without
    a sibling is on the ragged right edge, and it joins the tree one level higher.
    """
    sha256 = _sha256
    prefix = NODE_PREFIX
    pairs = iter(level)
    # Not strict: an odd last node is left out of the pairs and carried up below.
    parents = [
        sha256(prefix + left + right).digest() for left, right in zip(pairs, pairs, strict=False)
    ]
    if len(level) % 2:
        parents.append(level[-1])
    return parents


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """The tree hash of leaves given by their leaf hashes, computed level by level.

    Iterative on purpose: a ledger of 10 million entries would exhaust Python's recursion,
    and one list comprehension per level keeps the per-hash overhead low.
    """
    check_leaf_hashes(leaf_hashes)
    if not leaf_hashes:
        return EMPTY_ROOT
    level: Sequence[bytes] = leaf_hashes
    while len(level) > 1:
        level = parent_level(level)
    return bytes(level[0])


def _set_bits(n: int, *, descending: bool) -> list[int]:
    bits = [k for k in range(n.bit_length()) if n >> k & 1]
    return bits[::-1] if descending else bits


class AppendedNodes:
    """Every node of the tree that one bulk append computed, level by level.

    Level k holds the aligned perfect subtrees of 2^k leaves that end after the old size and
    no later than the new one (those the append completed, in position order), preceded by
    the old right edge's subtree of that level where it was their left sibling. That is
    enough to name each subtree the append completed and the root of every size it passed
    through, without rehashing anything.
    """

    __slots__ = ("_levels", "new_size", "old_size")

    def __init__(self, old_size: int, new_size: int, levels: list[tuple[int, list[bytes]]]):
        self.old_size = old_size
        self.new_size = new_size
        # Per level: (position of the first hash held, hashes in position order).
        self._levels = levels

    @property
    def height(self) -> int:
        """Levels held: no subtree of 2^height leaves was completed."""
        return len(self._levels)

    def completed(self, level: int) -> tuple[int, list[bytes]]:
        """The position of the first subtree of 2^level leaves this append completed, and the
        hashes of all it completed at that level, in position order (possibly none)."""
        start = self.old_size >> level
        if level >= len(self._levels):
            return start, []
        first, hashes = self._levels[level]
        return start, hashes[start - first :]

    def root(self, size: int) -> bytes:
        """The tree hash of the first ``size`` leaves, for a size the append passed through."""
        if not self.old_size <= size <= self.new_size:
            raise LedgerError(
                f"no root of {size} leaves in an append from {self.old_size} to "
                f"{self.new_size} leaves"
            )
        merged: bytes | None = None
        # The subtrees of the set bits of size, smallest first: MTH folds from the right.
        for level in range(size.bit_length()):
            if size >> level & 1:
                first, hashes = self._levels[level]
                subtree = hashes[(size >> level) - 1 - first]
                merged = subtree if merged is None else node_hash(subtree, merged)
        return EMPTY_ROOT if merged is None else merged


class MerkleFrontier:
    """The right edge of an append-only tree: the roots of its maximal perfect subtrees.

    A tree of n leaves is a sequence of perfect subtrees, one per set bit of n, largest
    first; this holds their hashes (at most 64), so appending is O(1) amortized and the root
    is O(log n) without reading any earlier entry. A store persists it with
    :meth:`to_bytes` (or :attr:`size` and :attr:`hashes`) beside the log.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @classmethod
    def from_hashes(cls, size: int, hashes: Iterable[bytes]) -> MerkleFrontier:
        """Rebuild a frontier from its size and subtree hashes, largest subtree first."""
        hashes = list(hashes)
        if not 0 <= size <= _MAX_TREE_SIZE:
            raise LedgerError(
                f"frontier size {size} is out of range: a tree has 0 to 2^64-1 leaves; "
                "the stored frontier is corrupt. Rebuild it from the log."
            )
        if len(hashes) != size.bit_count():
            raise LedgerError(
                f"a frontier of {size} leaves has {size.bit_count()} subtree hashes, "
                f"got {len(hashes)}: the stored frontier does not match its size. "
                "Rebuild it from the log."
            )
        for index, value in enumerate(hashes):
            check_hash(value, f"frontier hash {index}")
        frontier = cls()
        frontier._size = size
        frontier._hashes = [bytes(h) for h in hashes]
        return frontier

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> MerkleFrontier:
        frontier = cls()
        frontier.extend(leaf_hashes)
        return frontier

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The perfect subtree hashes, largest (leftmost) subtree first."""
        return tuple(self._hashes)

    def append(self, leaf_hash: bytes) -> None:
        check_hash(leaf_hash, "appended leaf hash")
        hashes = self._hashes
        merged = leaf_hash
        # Each trailing 1-bit of the old size is a perfect subtree the new leaf completes.
        size = self._size
        while size & 1:
            merged = node_hash(hashes.pop(), merged)
            size >>= 1
        hashes.append(merged)
        self._size += 1

    def append_with_subtrees(self, leaf_hash: bytes) -> list[bytes]:
        """Append, and return the hashes of the perfect subtrees this append completed.

        Element k is the aligned subtree of 2^k leaves that ends at the new size (element 0
        is the leaf itself); a store keeps them to serve proofs without rehashing the log.
        """
        check_hash(leaf_hash, "appended leaf hash")
        hashes = self._hashes
        merged = leaf_hash
        completed = [merged]
        size = self._size
        while size & 1:
            merged = node_hash(hashes.pop(), merged)
            completed.append(merged)
            size >>= 1
        hashes.append(merged)
        self._size += 1
        return completed

    def extend_with_nodes(self, leaf_hashes: Sequence[bytes]) -> AppendedNodes:
        """Append many leaves at once; return every node that computed (see AppendedNodes).

        Equal to :meth:`append_with_subtrees` leaf by leaf, but the tree is built level by
        level, one comprehension of node hashes a level, so a chunk of a million entries
        costs one hash a node and no Python call per leaf.
        """
        if any(len(value) != HASH_SIZE for value in leaf_hashes):
            check_leaf_hashes(leaf_hashes)
        old = self._size
        new = old + len(leaf_hashes)
        if new > _MAX_TREE_SIZE:
            raise LedgerError(f"a tree has at most 2^64-1 leaves; {new} would not fit")
        # The old right edge by level: the subtree of 2^k leaves for each set bit k of old.
        edge = dict(zip(_set_bits(old, descending=True), self._hashes, strict=True))
        sha256 = _sha256
        prefix = NODE_PREFIX
        levels: list[tuple[int, list[bytes]]] = []
        nodes = list(leaf_hashes)
        first = old  # position of nodes[0] at this level
        level = 0
        while new >> level:
            if first & 1:
                # The new nodes start with a right child: its left sibling is on the edge.
                nodes = [edge[level], *nodes]
                first -= 1
            levels.append((first, nodes))
            pairs = iter(nodes)
            # Not strict: an unpaired last node waits for a sibling from a later append.
            nodes = [
                sha256(prefix + left + right).digest()
                for left, right in zip(pairs, pairs, strict=False)
            ]
            first >>= 1
            level += 1
        # The new edge: for each set bit k of new, the last node of level k.
        self._hashes = [levels[k][1][-1] for k in _set_bits(new, descending=True)]
        self._size = new
        return AppendedNodes(old, new, levels)

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for value in leaf_hashes:
            self.append(value)

    def root(self) -> bytes:
        """The tree hash of everything appended so far."""
        if not self._hashes:
            return EMPTY_ROOT
        # MTH splits off the largest perfect subtree first, so fold from the right.
        merged = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            merged = node_hash(left, merged)
        return merged

    def copy(self) -> MerkleFrontier:
        return MerkleFrontier.from_hashes(self._size, self._hashes)

    def to_bytes(self) -> bytes:
        """``version (1 byte, = 1) || size (uint64, big-endian) || hashes, largest first``."""
        return bytes([_FRONTIER_FORMAT]) + self._size.to_bytes(8, "big") + b"".join(self._hashes)

    @classmethod
    def from_bytes(cls, data: bytes) -> MerkleFrontier:
        if len(data) < 9 or data[0] != _FRONTIER_FORMAT:
            raise LedgerError(
                "stored frontier is not in format 1 (version byte and 8-byte size): it is "
                "corrupt or from another program. Rebuild it from the log."
            )
        size = int.from_bytes(data[1:9], "big")
        body = data[9:]
        if len(body) != size.bit_count() * HASH_SIZE:
            raise LedgerError(
                f"stored frontier of {size} leaves should carry {size.bit_count()} hashes "
                f"({size.bit_count() * HASH_SIZE} bytes), got {len(body)} bytes: it is "
                "truncated or corrupt. Rebuild it from the log."
            )
        hashes = [body[i : i + HASH_SIZE] for i in range(0, len(body), HASH_SIZE)]
        return cls.from_hashes(size, hashes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MerkleFrontier):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    __hash__ = None  # type: ignore[assignment]  # mutable: appends change equality

    def __repr__(self) -> str:
        return f"MerkleFrontier(size={self._size}, root={self.root().hex()})"
