"""RFC 6962 / RFC 9162 test vectors of transparency-dev/merkle: verification and generation."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ivs.domain.errors import LedgerError
from ivs.ledger import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parent.parent / "data" / "merkle-vectors" / "testdata"

# The reference tree of RFC 6962's test data (certificate-transparency), from which the
# numbered vector directories were generated.
REFERENCE_ENTRIES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
REFERENCE_LEAVES = [leaf_hash(e) for e in REFERENCE_ENTRIES]


@dataclass(frozen=True)
class Vector:
    path: Path
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.path.relative_to(VECTORS))

    def b64(self, key: str) -> bytes:
        return base64.b64decode(self.data[key])

    @property
    def proof(self) -> list[bytes]:
        return [base64.b64decode(p) for p in self.data["proof"] or []]

    @property
    def want_error(self) -> bool:
        value = self.data["wantErr"]
        assert isinstance(value, bool)
        return value


def load(kind: str) -> list[Vector]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [Vector(path, json.loads(path.read_text())) for path in files]


INCLUSION = load("inclusion")
CONSISTENCY = load("consistency")


def test_every_vector_is_present() -> None:
    assert len(INCLUSION) + len(CONSISTENCY) == 196
    assert sum(not v.want_error for v in INCLUSION + CONSISTENCY) >= 10


@pytest.mark.parametrize("vector", INCLUSION, ids=lambda v: v.name)
def test_inclusion_vector(vector: Vector) -> None:
    def verify() -> None:
        verify_inclusion(
            vector.b64("leafHash"),
            vector.data["leafIdx"],
            vector.data["treeSize"],
            vector.proof,
            vector.b64("root"),
        )

    if vector.want_error:
        with pytest.raises(LedgerError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("vector", CONSISTENCY, ids=lambda v: v.name)
def test_consistency_vector(vector: Vector) -> None:
    def verify() -> None:
        verify_consistency(
            vector.data["size1"],
            vector.data["size2"],
            vector.b64("root1"),
            vector.b64("root2"),
            vector.proof,
        )

    if vector.want_error:
        with pytest.raises(LedgerError):
            verify()
    else:
        verify()


def test_reference_tree_root_is_rfc6962s() -> None:
    assert (
        root_from_leaf_hashes(REFERENCE_LEAVES).hex()
        == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    )


def _reference_happy_paths(vectors: list[Vector]) -> list[Vector]:
    # The numbered directories hold proofs over the reference tree; "additional" and
    # "single-entry" use made-up hashes that no tree of real entries has.
    return [v for v in vectors if v.path.name == "happy-path.json" and v.path.parent.name.isdigit()]


@pytest.mark.parametrize("vector", _reference_happy_paths(INCLUSION), ids=lambda v: v.name)
def test_generated_inclusion_proof_matches_vector(vector: Vector) -> None:
    index, size = vector.data["leafIdx"], vector.data["treeSize"]
    assert REFERENCE_LEAVES[index] == vector.b64("leafHash")
    assert root_from_leaf_hashes(REFERENCE_LEAVES[:size]) == vector.b64("root")
    assert inclusion_proof(index, size, REFERENCE_LEAVES) == vector.proof


@pytest.mark.parametrize("vector", _reference_happy_paths(CONSISTENCY), ids=lambda v: v.name)
def test_generated_consistency_proof_matches_vector(vector: Vector) -> None:
    old, new = vector.data["size1"], vector.data["size2"]
    assert root_from_leaf_hashes(REFERENCE_LEAVES[:old]) == vector.b64("root1")
    assert root_from_leaf_hashes(REFERENCE_LEAVES[:new]) == vector.b64("root2")
    assert consistency_proof(old, new, REFERENCE_LEAVES) == vector.proof


def test_happy_paths_cover_both_kinds() -> None:
    assert len(_reference_happy_paths(INCLUSION)) == 5
    assert len(_reference_happy_paths(CONSISTENCY)) == 5
