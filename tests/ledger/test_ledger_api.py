"""The ledger's public surface, pinned so that a change to it is a reviewed change."""

from __future__ import annotations

import ivs.ledger


def test_public_api() -> None:
    assert sorted(ivs.ledger.__all__) == [
        "EMPTY_ROOT",
        "HASH_SIZE",
        "LeafHashSequence",
        "LeafReader",
        "MerkleFrontier",
        "SignedTreeHead",
        "SubtreeCache",
        "SubtreeHashes",
        "TreeHead",
        "consistency_proof",
        "inclusion_proof",
        "key_id",
        "leaf_hash",
        "node_hash",
        "root_from_inclusion_proof",
        "root_from_leaf_hashes",
        "sign_tree_head",
        "verify_consistency",
        "verify_inclusion",
        "verify_tree_head",
    ]
    for name in ivs.ledger.__all__:
        assert getattr(ivs.ledger, name) is not None


def test_cache_satisfies_the_subtree_source_protocol() -> None:
    assert isinstance(ivs.ledger.SubtreeCache(), ivs.ledger.SubtreeHashes)
    assert isinstance(ivs.ledger.LeafHashSequence([]), ivs.ledger.SubtreeHashes)
    assert not isinstance([b"x" * 32], ivs.ledger.SubtreeHashes)
