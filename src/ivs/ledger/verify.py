"""Proof verification for auditors: pure functions that need only exported heads and proofs.

These follow RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step, so an
auditor can check them against the RFC, and they pass every test vector of the
transparency-dev/merkle project. Each raises :class:`~ivs.domain.errors.LedgerError` saying
what failed; returning means the proof holds.

A proof binds the leaf and its position to the root, but not the tree size on its own: a
proof for one size can also verify against the same root under another size with the same
path shape. Take the size and root from one signed tree head (``verify_tree_head``), never
from two sources.
"""

from __future__ import annotations

from collections.abc import Sequence

from ivs.domain.errors import LedgerError
from ivs.ledger.merkle import check_hash, is_power_of_two, node_hash

__all__ = ["root_from_inclusion_proof", "verify_consistency", "verify_inclusion"]

_UINT64_LIMIT = 1 << 64


def _check_size(value: int, what: str) -> None:
    if not 0 <= value < _UINT64_LIMIT:
        raise LedgerError(
            f"{what} {value} is not a tree size or index (0 to 2^64-1); the exported value is "
            "corrupt. Export the head and proof again."
        )


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for index, element in enumerate(proof):
        check_hash(element, f"proof element {index}")


def root_from_inclusion_proof(
    leaf_hash: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` leads to from ``leaf_hash`` (RFC 9162 §2.1.3.2, steps 1-5).

    Raises when the proof cannot belong to a tree of ``tree_size`` leaves at all (wrong
    index, wrong length, malformed hashes); the caller compares the root it returns.
    """
    _check_size(leaf_index, "leaf index")
    _check_size(tree_size, "tree size")
    if leaf_index >= tree_size:
        raise LedgerError(
            f"inclusion proof names leaf {leaf_index} of a tree of {tree_size} leaves: a "
            "tree holds only leaves below its size. Ask for a proof against a tree head "
            "that contains the entry."
        )
    check_hash(leaf_hash, "leaf hash")
    _check_proof_hashes(proof)
    fn, sn = leaf_index, tree_size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise LedgerError(
                f"inclusion proof for leaf {leaf_index} of {tree_size} has {len(proof)} "
                "hashes, more than the path from that leaf to the root: it is padded or for "
                "another tree size. Ask the ledger for the proof again."
            )
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # At the right edge the path skips levels where the node has no sibling.
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise LedgerError(
            f"inclusion proof for leaf {leaf_index} of {tree_size} has only {len(proof)} "
            "hashes, too few to reach the root: it is truncated or for another tree size. "
            "Ask the ledger for the proof again."
        )
    return bytes(r)


def verify_inclusion(
    leaf_hash: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that the leaf is entry ``leaf_index`` of the tree of ``tree_size`` with ``root``."""
    check_hash(root, "tree root")
    computed = root_from_inclusion_proof(leaf_hash, leaf_index, tree_size, proof)
    if computed != root:
        raise LedgerError(
            f"inclusion proof for leaf {leaf_index} of {tree_size} leads to root "
            f"{computed.hex()}, not the tree head's {bytes(root).hex()}: the entry, the proof "
            "or the head has been altered, or they belong to different trees. Treat the "
            "record as unverified and report it."
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``new_size`` leaves only appended to the one of ``old_size``.

    As RFC 9162 §2.1.4.2 requires 0 < old_size, a proof from the empty tree is refused (it
    would show nothing); equal sizes need an empty proof and identical roots.
    """
    _check_size(old_size, "old tree size")
    _check_size(new_size, "new tree size")
    if old_size > new_size:
        raise LedgerError(
            f"consistency proof from {old_size} to {new_size} leaves goes backwards: an "
            "append-only log never shrinks. Pass the older head first; if it really is "
            "larger, the log has been truncated."
        )
    if old_size == 0:
        raise LedgerError(
            "consistency proof from the empty tree proves nothing: every log extends it. "
            "Compare against a non-empty earlier head, or check inclusion of its entries."
        )
    if old_size == new_size:
        if proof:
            raise LedgerError(
                f"consistency proof between two trees of {old_size} leaves must be empty, "
                f"got {len(proof)} hashes: it was made for other sizes. Ask for it again."
            )
        # With no proof the claim is exactly that the two heads name the same root.
        if old_root != new_root:
            raise LedgerError(
                f"two tree heads of {old_size} leaves have different roots: the log has "
                "been rewritten (a fork). Keep both signed heads as evidence and report it."
            )
        return
    check_hash(old_root, "old tree root")
    check_hash(new_root, "new tree root")
    if not proof:
        raise LedgerError(
            f"consistency proof from {old_size} to {new_size} leaves is empty; a growing "
            "log needs at least one hash to show it only appended. Ask for it again."
        )
    _check_proof_hashes(proof)

    path = list(proof)
    if is_power_of_two(old_size):
        # The old tree is a complete subtree of the new one; its root starts the path.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise LedgerError(
                f"consistency proof from {old_size} to {new_size} leaves has {len(proof)} "
                "hashes, more than those two sizes need: it is padded or for other sizes. "
                "Ask for it again."
            )
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise LedgerError(
            f"consistency proof from {old_size} to {new_size} leaves has only {len(proof)} "
            "hashes, too few for those sizes: it is truncated. Ask for it again."
        )
    if fr != old_root:
        raise LedgerError(
            f"consistency proof from {old_size} to {new_size} leaves does not rebuild the "
            "old root: the old head, the proof, or the log's first entries have been "
            "altered. Keep both signed heads as evidence and report it."
        )
    if sr != new_root:
        raise LedgerError(
            f"consistency proof from {old_size} to {new_size} leaves does not lead to the "
            "new root: the log was not only appended to, or the new head or the proof has "
            "been altered. Keep both signed heads as evidence and report it."
        )
