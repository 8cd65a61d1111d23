"""Invariants of generated proofs: every honest proof verifies, every altered one fails."""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivs.domain.errors import LedgerError
from ivs.ledger import (
    MerkleFrontier,
    SubtreeCache,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 300


@cache
def log_of(size: int, seed: int = 0) -> SubtreeCache:
    """A log of ``size`` distinct entries (distinct, so no two leaves share a hash)."""
    return SubtreeCache.from_leaf_hashes(
        [leaf_hash(f"entry {seed}/{i}".encode()) for i in range(size)]
    )


@cache
def roots(seed: int = 0) -> list[bytes]:
    log = log_of(MAX_SIZE, seed)
    return [log.subtree_hash(0, n) if n else b"" for n in range(MAX_SIZE + 1)]


def flip_bit(value: bytes, bit: int) -> bytes:
    bit %= len(value) * 8
    mutable = bytearray(value)
    mutable[bit // 8] ^= 1 << (bit % 8)
    return bytes(mutable)


def test_every_inclusion_proof_up_to_300_leaves_verifies() -> None:
    log, tree_roots = log_of(MAX_SIZE), roots()
    leaves = log.leaf_hashes(0, MAX_SIZE)
    for size in range(1, MAX_SIZE + 1):
        for index in range(size):
            proof = inclusion_proof(index, size, log)
            verify_inclusion(leaves[index], index, size, proof, tree_roots[size])


def test_every_consistency_proof_up_to_300_leaves_verifies() -> None:
    log, tree_roots = log_of(MAX_SIZE), roots()
    for new in range(1, MAX_SIZE + 1):
        for old in range(1, new + 1):
            proof = consistency_proof(old, new, log)
            verify_consistency(old, new, tree_roots[old], tree_roots[new], proof)


def test_cache_and_plain_sequence_give_the_same_proofs() -> None:
    log = log_of(MAX_SIZE)
    leaves = list(log.leaf_hashes(0, MAX_SIZE))
    for size in (1, 2, 3, 7, 8, 9, 100, 255, 256, 257, 300):
        for index in range(0, size, max(1, size // 13)):
            assert inclusion_proof(index, size, log) == inclusion_proof(index, size, leaves)
        for old in range(1, size + 1, max(1, size // 11)):
            assert consistency_proof(old, size, log) == consistency_proof(old, size, leaves)


tree_sizes = st.integers(min_value=1, max_value=MAX_SIZE)


@st.composite
def inclusion_claims(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(tree_sizes)
    return draw(st.integers(0, size - 1)), size


@st.composite
def consistency_claims(draw: st.DrawFn) -> tuple[int, int]:
    new = draw(tree_sizes)
    return draw(st.integers(1, new)), new


@settings(max_examples=300, deadline=None)
@given(
    claim=inclusion_claims(),
    target=st.sampled_from(["proof", "root", "leaf"]),
    bit=st.integers(0, 255),
)
def test_inclusion_fails_when_any_bit_flips(claim: tuple[int, int], target: str, bit: int) -> None:
    index, size = claim
    log = log_of(MAX_SIZE)
    leaf, root, proof = (
        log.leaf_hashes(index, index + 1)[0],
        roots()[size],
        inclusion_proof(index, size, log),
    )
    if target == "proof":
        if not proof:  # a one-leaf tree has nothing to flip in its proof
            target = "leaf"
        else:
            position = bit % len(proof)
            proof[position] = flip_bit(proof[position], bit // len(proof))
    if target == "root":
        root = flip_bit(root, bit)
    if target == "leaf":
        leaf = flip_bit(leaf, bit)
    with pytest.raises(LedgerError):
        verify_inclusion(leaf, index, size, proof, root)


@settings(max_examples=300, deadline=None)
@given(
    claim=inclusion_claims(),
    other_index=st.integers(0, MAX_SIZE + 5),
    other_size=st.integers(0, MAX_SIZE),
)
def test_inclusion_binds_index_and_head(
    claim: tuple[int, int], other_index: int, other_size: int
) -> None:
    index, size = claim
    log = log_of(MAX_SIZE)
    leaf, proof = log.leaf_hashes(index, index + 1)[0], inclusion_proof(index, size, log)
    if other_index != index:
        with pytest.raises(LedgerError):
            verify_inclusion(leaf, other_index, size, proof, roots()[size])
    if other_size not in (size, 0):
        # A head is a (size, root) pair signed together; the proof for one head must not
        # verify against another, except where it is the very proof that head would get.
        honest = other_size > index and inclusion_proof(index, other_size, log) == proof
        if not honest:
            with pytest.raises(LedgerError):
                verify_inclusion(leaf, index, other_size, proof, roots()[other_size])


@settings(max_examples=300, deadline=None)
@given(
    claim=consistency_claims(),
    target=st.sampled_from(["proof", "old", "new"]),
    bit=st.integers(0, 255),
)
def test_consistency_fails_when_any_bit_flips(
    claim: tuple[int, int], target: str, bit: int
) -> None:
    old, new = claim
    log = log_of(MAX_SIZE)
    old_root, new_root = roots()[old], roots()[new]
    proof = consistency_proof(old, new, log)
    if target == "proof" and proof:
        position = bit % len(proof)
        proof[position] = flip_bit(proof[position], bit // len(proof))
    elif target == "new":
        new_root = flip_bit(new_root, bit)
    else:
        old_root = flip_bit(old_root, bit)
    with pytest.raises(LedgerError):
        verify_consistency(old, new, old_root, new_root, proof)


@settings(max_examples=300, deadline=None)
@given(
    claim=consistency_claims(),
    other_old=st.integers(0, MAX_SIZE),
    other_new=st.integers(0, MAX_SIZE),
)
def test_consistency_binds_both_heads(
    claim: tuple[int, int], other_old: int, other_new: int
) -> None:
    old, new = claim
    log, tree_roots = log_of(MAX_SIZE), roots()
    proof = consistency_proof(old, new, log)

    def honest(o: int, n: int) -> bool:
        return 0 < o <= n and consistency_proof(o, n, log) == proof

    if other_old != old and not honest(other_old, new):
        with pytest.raises(LedgerError):
            verify_consistency(other_old, new, tree_roots[other_old], tree_roots[new], proof)
    if other_new != new and not honest(old, other_new):
        with pytest.raises(LedgerError):
            verify_consistency(old, other_new, tree_roots[old], tree_roots[other_new], proof)


def test_a_proof_does_not_cross_logs() -> None:
    # The same shape of tree over other entries: every proof must fail against its roots.
    log, other = log_of(MAX_SIZE), roots(seed=1)
    for size in (1, 5, 64, 300):
        proof = inclusion_proof(size - 1, size, log)
        with pytest.raises(LedgerError):
            verify_inclusion(log.leaf_hashes(size - 1, size)[0], size - 1, size, proof, other[size])


@settings(max_examples=60, deadline=None)
@given(entries=st.lists(st.binary(max_size=40), min_size=0, max_size=MAX_SIZE))
def test_frontier_root_equals_tree_hash_of_every_prefix(entries: list[bytes]) -> None:
    leaves = [leaf_hash(e) for e in entries]
    frontier = MerkleFrontier()
    assert frontier.root() == root_from_leaf_hashes([]) == hashlib.sha256(b"").digest()
    for count, leaf in enumerate(leaves, start=1):
        frontier.append(leaf)
        assert frontier.size == count
        assert frontier.root() == root_from_leaf_hashes(leaves[:count])
        assert len(frontier.hashes) == count.bit_count()


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, MAX_SIZE), min_level=st.integers(0, 5))
def test_cache_built_by_appends_equals_cache_built_at_once(size: int, min_level: int) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]

    def reader(start: int, end: int) -> list[bytes]:
        return leaves[start:end]

    appended = SubtreeCache(min_level=min_level, read_leaf_hashes=reader)
    for leaf in leaves:
        appended.append(leaf)
    built = SubtreeCache.from_leaf_hashes(leaves, min_level=min_level, read_leaf_hashes=reader)
    assert appended.frontier == built.frontier
    assert appended.root() == built.root() == root_from_leaf_hashes(leaves)
    for height in range(min_level, 10):
        for index in range(size >> height):
            expected = root_from_leaf_hashes(leaves[index << height : (index + 1) << height])
            assert appended.perfect_subtree_hash(height, index) == expected
            assert built.perfect_subtree_hash(height, index) == expected
    for start, end in [(0, size), (size // 2, size), (0, size // 3 + 1)]:
        if start < end <= size:
            assert built.subtree_hash(start, end) == root_from_leaf_hashes(leaves[start:end])
