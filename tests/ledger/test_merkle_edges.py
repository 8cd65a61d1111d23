"""Edge cases named by RFC 9162 and the failure messages an auditor reads."""

from __future__ import annotations

import hashlib

import pytest

from ivs.domain.errors import LedgerError
from ivs.ledger import (
    EMPTY_ROOT,
    MerkleFrontier,
    SubtreeCache,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [leaf_hash(bytes([i])) for i in range(11)]
ROOTS = [root_from_leaf_hashes(LEAVES[:n]) for n in range(len(LEAVES) + 1)]


def test_hashes_use_the_rfc_prefixes() -> None:
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert (
        node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    )
    assert root_from_leaf_hashes([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert root_from_leaf_hashes(LEAVES[:1]) == LEAVES[0]
    # Three leaves split 2 | 1 (largest power of two below 3).
    assert ROOTS[3] == node_hash(node_hash(LEAVES[0], LEAVES[1]), LEAVES[2])


def test_root_refuses_a_leaf_hash_of_the_wrong_length() -> None:
    with pytest.raises(LedgerError, match="leaf hash 1 is not a SHA-256 hash"):
        root_from_leaf_hashes([LEAVES[0], b"short"])


@pytest.mark.parametrize(("index", "size"), [(0, 0), (5, 5), (6, 5), (-1, 5)])
def test_inclusion_index_must_be_below_size(index: int, size: int) -> None:
    with pytest.raises(LedgerError):
        verify_inclusion(LEAVES[0], index, size, [], ROOTS[1])
    with pytest.raises(LedgerError):
        inclusion_proof(index, size, LEAVES)


def test_inclusion_proof_too_long_or_too_short() -> None:
    proof = inclusion_proof(3, 11, LEAVES)
    with pytest.raises(LedgerError, match="more than the path"):
        verify_inclusion(LEAVES[3], 3, 11, [*proof, ROOTS[11]], ROOTS[11])
    with pytest.raises(LedgerError, match="too few"):
        verify_inclusion(LEAVES[3], 3, 11, proof[:-1], ROOTS[11])
    assert root_from_inclusion_proof(LEAVES[3], 3, 11, proof) == ROOTS[11]


@pytest.mark.parametrize("bad", [b"", b"x" * 31, b"x" * 33])
def test_inclusion_refuses_wrong_hash_lengths(bad: bytes) -> None:
    proof = inclusion_proof(3, 11, LEAVES)
    with pytest.raises(LedgerError, match="leaf hash"):
        verify_inclusion(bad, 3, 11, proof, ROOTS[11])
    with pytest.raises(LedgerError, match="tree root"):
        verify_inclusion(LEAVES[3], 3, 11, proof, bad)
    with pytest.raises(LedgerError, match="proof element 1"):
        verify_inclusion(LEAVES[3], 3, 11, [proof[0], bad, *proof[2:]], ROOTS[11])


def test_consistency_edge_cases() -> None:
    with pytest.raises(LedgerError, match="backwards"):
        verify_consistency(5, 4, ROOTS[5], ROOTS[4], [])
    with pytest.raises(LedgerError, match="empty tree"):
        verify_consistency(0, 4, EMPTY_ROOT, ROOTS[4], [])
    with pytest.raises(LedgerError, match="must be empty"):
        verify_consistency(4, 4, ROOTS[4], ROOTS[4], [ROOTS[4]])
    with pytest.raises(LedgerError, match="fork"):
        verify_consistency(4, 4, ROOTS[4], ROOTS[5], [])
    verify_consistency(4, 4, ROOTS[4], ROOTS[4], [])
    with pytest.raises(LedgerError, match="is empty"):
        verify_consistency(4, 5, ROOTS[4], ROOTS[5], [])
    proof = consistency_proof(3, 11, LEAVES)
    with pytest.raises(LedgerError, match="more than"):
        verify_consistency(3, 11, ROOTS[3], ROOTS[11], [*proof, ROOTS[3]])
    with pytest.raises(LedgerError, match="truncated"):
        verify_consistency(3, 11, ROOTS[3], ROOTS[11], proof[:-1])
    with pytest.raises(LedgerError, match="old tree root"):
        verify_consistency(3, 11, ROOTS[3][:31], ROOTS[11], proof)
    with pytest.raises(LedgerError, match="proof element 0"):
        verify_consistency(3, 11, ROOTS[3], ROOTS[11], [b"", *proof[1:]])
    with pytest.raises(LedgerError, match="old root"):
        verify_consistency(3, 11, ROOTS[4], ROOTS[11], proof)
    with pytest.raises(LedgerError, match="new root"):
        verify_consistency(3, 11, ROOTS[3], ROOTS[10], proof)


def test_consistency_generation_refuses_impossible_sizes() -> None:
    for old, new in [(0, 3), (4, 3), (3, 12)]:
        with pytest.raises(LedgerError):
            consistency_proof(old, new, LEAVES)
    assert consistency_proof(7, 7, LEAVES) == []


def test_proof_against_an_earlier_head_of_a_longer_log() -> None:
    # A store serves proofs for any past head from the one, longer, log.
    proof = inclusion_proof(2, 6, LEAVES)
    verify_inclusion(LEAVES[2], 2, 6, proof, ROOTS[6])
    verify_consistency(6, 9, ROOTS[6], ROOTS[9], consistency_proof(6, 9, LEAVES))


def test_frontier_round_trips_through_bytes_and_hashes() -> None:
    frontier = MerkleFrontier.from_leaf_hashes(LEAVES)
    assert frontier.size == 11
    assert len(frontier.to_bytes()) == 1 + 8 + 3 * 32
    assert MerkleFrontier.from_bytes(frontier.to_bytes()) == frontier
    assert MerkleFrontier.from_hashes(frontier.size, frontier.hashes) == frontier
    resumed = MerkleFrontier.from_bytes(MerkleFrontier.from_leaf_hashes(LEAVES[:6]).to_bytes())
    resumed.extend(LEAVES[6:])
    assert resumed == frontier
    assert resumed.root() == ROOTS[11]
    assert MerkleFrontier.from_bytes(MerkleFrontier().to_bytes()).root() == EMPTY_ROOT


def test_frontier_refuses_corrupt_state() -> None:
    data = MerkleFrontier.from_leaf_hashes(LEAVES).to_bytes()
    for corrupt in (data[:-1], b"\x02" + data[1:], data[:5], data + b"\x00" * 32):
        with pytest.raises(LedgerError):
            MerkleFrontier.from_bytes(corrupt)
    with pytest.raises(LedgerError, match="3 subtree hashes"):
        MerkleFrontier.from_hashes(11, LEAVES[:2])
    with pytest.raises(LedgerError, match="appended leaf hash"):
        MerkleFrontier().append(b"not a hash")


def test_append_reports_the_completed_perfect_subtrees() -> None:
    frontier = MerkleFrontier.from_leaf_hashes(LEAVES[:7])
    completed = frontier.append_with_subtrees(LEAVES[7])
    assert completed == [
        LEAVES[7],
        node_hash(LEAVES[6], LEAVES[7]),
        root_from_leaf_hashes(LEAVES[4:8]),
        ROOTS[8],
    ]


def test_subtree_cache_requires_a_leaf_reader_above_level_zero() -> None:
    with pytest.raises(LedgerError, match="read_leaf_hashes"):
        SubtreeCache(min_level=3)
    cache = SubtreeCache.from_leaf_hashes(
        LEAVES, min_level=2, read_leaf_hashes=lambda start, end: LEAVES[start + 1 : end]
    )
    with pytest.raises(LedgerError, match=r"leaf reader returned 2 leaf hashes for \[8, 11\)"):
        inclusion_proof(0, 11, cache)
    with pytest.raises(LedgerError):
        cache.subtree_hash(3, 12)
