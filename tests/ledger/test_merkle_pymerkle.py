"""Cross-check against an independent implementation: pymerkle's RFC 9162-style tree.

pymerkle's InmemoryTree with sha256 and its default security mode prefixes leaves with 0x00
and nodes with 0x01, and splits at the largest power of two: the same tree hash as ours.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivs.ledger import MerkleFrontier, leaf_hash, root_from_leaf_hashes

pymerkle = pytest.importorskip("pymerkle", reason="pymerkle (dev dependency) is not installed")


def pymerkle_tree(entries: list[bytes]) -> Any:
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for entry in entries:
        tree.append_entry(entry)
    return tree


def test_roots_of_every_prefix_agree() -> None:
    entries = [f"disclosure {i}".encode() for i in range(200)]
    tree = pymerkle_tree(entries)
    leaves = [leaf_hash(e) for e in entries]
    frontier = MerkleFrontier()
    assert tree.get_root(0) == root_from_leaf_hashes([])
    for size in range(1, len(entries) + 1):
        frontier.append(leaves[size - 1])
        assert tree.get_leaf(size) == leaves[size - 1]
        ours = root_from_leaf_hashes(leaves[:size])
        assert tree.get_root(size) == ours == frontier.root()


@settings(max_examples=50, deadline=None)
@given(entries=st.lists(st.binary(max_size=64), min_size=1, max_size=150))
def test_roots_agree_on_arbitrary_entries(entries: list[bytes]) -> None:
    tree = pymerkle_tree(entries)
    assert tree.get_root() == root_from_leaf_hashes([leaf_hash(e) for e in entries])
