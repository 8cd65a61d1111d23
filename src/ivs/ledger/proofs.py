"""Inclusion and consistency proofs of the ledger's Merkle tree (RFC 9162 §2.1.3.1, §2.1.4.1).

A proof is the list of subtree hashes a verifier needs besides what it already holds, ordered
from the leaf (or the old tree) upward, exactly as RFC 9162 defines PATH and PROOF. The
generators ask a :class:`SubtreeHashes` source for the hash of leaf ranges; every range they
ask for is an RFC 9162 subtree, which starts on a multiple of a power of two at least its
size, so a source that keeps the hashes of aligned perfect subtrees (``SubtreeCache``)
answers each in O(log n) and a proof on a log of millions of entries takes milliseconds.
A plain sequence of leaf hashes works too, at O(n) hashing per proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ivs.domain.errors import LedgerError
from ivs.ledger.merkle import largest_power_of_two_below, root_from_leaf_hashes

__all__ = [
    "LeafHashSequence",
    "SubtreeHashes",
    "consistency_proof",
    "inclusion_proof",
]


@runtime_checkable
class SubtreeHashes(Protocol):
    """Anything that can give the tree hash of the leaves ``[start, end)`` of a log."""

    @property
    def size(self) -> int:
        """How many leaves the log holds."""
        ...

    def subtree_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for 0 ≤ start < end ≤ size."""
        ...


class LeafHashSequence:
    """A :class:`SubtreeHashes` over leaf hashes held in a sequence: O(end - start) a range."""

    __slots__ = ("_leaf_hashes",)

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self._leaf_hashes = leaf_hashes

    @property
    def size(self) -> int:
        return len(self._leaf_hashes)

    def subtree_hash(self, start: int, end: int) -> bytes:
        if not 0 <= start < end <= len(self._leaf_hashes):
            raise LedgerError(
                f"leaf range [{start}, {end}) is not a non-empty part of a log of "
                f"{len(self._leaf_hashes)} leaves; no subtree hash exists for it."
            )
        return root_from_leaf_hashes(self._leaf_hashes[start:end])


def _source(leaf_hashes: Sequence[bytes] | SubtreeHashes) -> SubtreeHashes:
    if isinstance(leaf_hashes, SubtreeHashes):
        return leaf_hashes
    return LeafHashSequence(leaf_hashes)


def inclusion_proof(
    leaf_index: int, tree_size: int, leaf_hashes: Sequence[bytes] | SubtreeHashes
) -> list[bytes]:
    """PATH(leaf_index, D[tree_size]) of RFC 9162 §2.1.3.1, leaf-level sibling first.

    ``leaf_hashes`` is the log (or any longer log it is a prefix of): a sequence of leaf
    hashes or a :class:`SubtreeHashes` source such as a ``SubtreeCache``.
    """
    source = _source(leaf_hashes)
    if not 0 <= leaf_index < tree_size <= source.size:
        raise LedgerError(
            f"no inclusion proof for leaf {leaf_index} in a tree of {tree_size} leaves from a "
            f"log of {source.size}: the index must be below the tree size, and the tree size "
            "at most the log's. Ask for a tree head that contains the entry."
        )
    siblings: list[bytes] = []
    start, end = 0, tree_size
    # Walk down from the root to the leaf; each step records the subtree not taken.
    while end - start > 1:
        middle = start + largest_power_of_two_below(end - start)
        if leaf_index < middle:
            siblings.append(source.subtree_hash(middle, end))
            end = middle
        else:
            siblings.append(source.subtree_hash(start, middle))
            start = middle
    siblings.reverse()
    return siblings


def consistency_proof(
    old_size: int, new_size: int, leaf_hashes: Sequence[bytes] | SubtreeHashes
) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1, lowest subtree first.

    Equal sizes give the empty proof (the two heads must then carry the same root). An old
    size of 0 is refused, as RFC 9162 requires 0 < old size: every log extends the empty
    tree, so such a proof would show nothing.
    """
    source = _source(leaf_hashes)
    if not 0 < old_size <= new_size <= source.size:
        raise LedgerError(
            f"no consistency proof from {old_size} to {new_size} leaves in a log of "
            f"{source.size}: the sizes must satisfy 0 < old ≤ new ≤ log size. "
            "Compare two heads of this log, older first."
        )
    if old_size == new_size:
        return []
    path: list[bytes] = []
    start, end = 0, new_size
    # SUBPROOF's flag b: whether the subtree [start, end) lies inside the old tree's left
    # edge, whose hash the verifier already has as the old root (or can rebuild from it).
    old_tree_is_known = True
    while old_size != end:
        middle = start + largest_power_of_two_below(end - start)
        if old_size <= middle:
            path.append(source.subtree_hash(middle, end))
            end = middle
        else:
            path.append(source.subtree_hash(start, middle))
            start = middle
            old_tree_is_known = False
    if not old_tree_is_known:
        path.append(source.subtree_hash(start, end))
    path.reverse()
    return path
