"""The accounting ledger: RFC 9162 Merkle tree, proofs, their verification, signed heads."""

from ivs.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MerkleFrontier,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
)
from ivs.ledger.proofs import (
    LeafHashSequence,
    SubtreeHashes,
    consistency_proof,
    inclusion_proof,
)
from ivs.ledger.subtree_cache import LeafReader, SubtreeCache
from ivs.ledger.tree_head import (
    SignedTreeHead,
    TreeHead,
    key_id,
    sign_tree_head,
    verify_tree_head,
)
from ivs.ledger.verify import root_from_inclusion_proof, verify_consistency, verify_inclusion

__all__ = [
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
