"""Proofs as JSON documents an auditor can check with the pure verifier alone.

An inclusion proof document (``"format": "ivs-inclusion-proof/1"``)::

    {"format", "index", "tree_size", "entry" (canonical entry text, or null),
     "leaf_hash", "root", "audit_path" (list), "signed_tree_head" (or null), "public_key"}

A consistency proof document (``"format": "ivs-consistency-proof/1"``)::

    {"format", "old_size", "new_size", "old_root", "new_root", "path" (list),
     "old_signed_tree_head", "new_signed_tree_head" (either may be null), "public_key"}

Hashes and keys are lowercase hex; signed tree heads are the 152 bytes of
:class:`~ivs.ledger.tree_head.SignedTreeHead` in base64. Checking recomputes everything:
the leaf hash from the entry, the root from the path (RFC 9162), and the head's signature.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ivs.domain.errors import LedgerError
from ivs.ledger.merkle import leaf_hash
from ivs.ledger.tree_head import SignedTreeHead, verify_tree_head
from ivs.ledger.verify import verify_consistency, verify_inclusion

__all__ = [
    "CONSISTENCY_FORMAT",
    "INCLUSION_FORMAT",
    "ConsistencyProof",
    "InclusionProof",
    "check_proof_document",
]

INCLUSION_FORMAT = "ivs-inclusion-proof/1"
CONSISTENCY_FORMAT = "ivs-consistency-proof/1"


def _head_text(head: SignedTreeHead | None) -> str | None:
    return base64.b64encode(head.to_bytes()).decode("ascii") if head else None


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """Entry ``index`` is in the tree of ``tree_size`` entries whose hash is ``root``."""

    index: int
    tree_size: int
    entry: bytes | None
    leaf_hash: bytes
    root: bytes
    audit_path: tuple[bytes, ...]
    signed_head: SignedTreeHead | None
    public_key: bytes

    def to_document(self) -> dict[str, Any]:
        return {
            "format": INCLUSION_FORMAT,
            "index": self.index,
            "tree_size": self.tree_size,
            "entry": self.entry.decode("utf-8") if self.entry is not None else None,
            "leaf_hash": self.leaf_hash.hex(),
            "root": self.root.hex(),
            "audit_path": [h.hex() for h in self.audit_path],
            "signed_tree_head": _head_text(self.signed_head),
            "public_key": self.public_key.hex(),
        }


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """The tree of ``new_size`` entries only appended to the tree of ``old_size``."""

    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    path: tuple[bytes, ...]
    old_signed_head: SignedTreeHead | None
    new_signed_head: SignedTreeHead | None
    public_key: bytes

    def to_document(self) -> dict[str, Any]:
        return {
            "format": CONSISTENCY_FORMAT,
            "old_size": self.old_size,
            "new_size": self.new_size,
            "old_root": self.old_root.hex(),
            "new_root": self.new_root.hex(),
            "path": [h.hex() for h in self.path],
            "old_signed_tree_head": _head_text(self.old_signed_head),
            "new_signed_tree_head": _head_text(self.new_signed_head),
            "public_key": self.public_key.hex(),
        }


def _hex(document: Mapping[str, Any], key: str) -> bytes:
    value = document.get(key)
    try:
        if not isinstance(value, str):
            raise ValueError
        return bytes.fromhex(value)
    except ValueError as e:
        raise LedgerError(f"proof field {key!r} is not hex text: {value!r}") from e


def _int(document: Mapping[str, Any], key: str) -> int:
    value = document.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise LedgerError(f"proof field {key!r} is not an integer: {value!r}")
    return value


def _hex_list(document: Mapping[str, Any], key: str) -> list[bytes]:
    values = document.get(key)
    if not isinstance(values, list):
        raise LedgerError(f"proof field {key!r} is not a list of hex hashes")
    return [_hex({key: v}, key) for v in values]


def _signed_head(
    document: Mapping[str, Any], key: str, size: int, root: bytes, public_key: bytes
) -> SignedTreeHead | None:
    value = document.get(key)
    if value is None:
        return None
    try:
        head = SignedTreeHead.from_bytes(base64.b64decode(str(value), validate=True))
    except binascii.Error as e:
        raise LedgerError(f"proof field {key!r} is not base64") from e
    verify_tree_head(head, public_key)
    if head.head.size != size or head.head.root != root:
        raise LedgerError(
            f"the signed tree head in {key!r} is for {head.head.size} entries with root "
            f"{head.head.root.hex()}, but the proof is for {size} entries with root "
            f"{root.hex()}: they do not belong together. Ask the ledger for the proof again."
        )
    return head


def check_proof_document(
    document: Mapping[str, Any], trusted_public_key: bytes | None = None
) -> list[str]:
    """Check a proof document; returns what was checked, raises :class:`LedgerError` if not.

    ``trusted_public_key`` is the agency's published ledger key; without it the key carried
    in the document is used, which shows only that the document is self-consistent.
    """
    public_key = (
        trusted_public_key if trusted_public_key is not None else _hex(document, "public_key")
    )
    checked: list[str] = []
    kind = document.get("format")
    if kind == INCLUSION_FORMAT:
        index, size = _int(document, "index"), _int(document, "tree_size")
        leaf, root = _hex(document, "leaf_hash"), _hex(document, "root")
        entry = document.get("entry")
        if entry is not None:
            if leaf_hash(str(entry).encode("utf-8")) != leaf:
                raise LedgerError(
                    f"entry {index} does not hash to the proof's leaf hash {leaf.hex()}: the "
                    "entry text has been altered. Treat the record as unverified."
                )
            checked.append(f"entry {index} hashes to its leaf hash")
        verify_inclusion(leaf, index, size, _hex_list(document, "audit_path"), root)
        checked.append(f"entry {index} is in the tree of {size} entries with root {root.hex()}")
        if _signed_head(document, "signed_tree_head", size, root, public_key):
            checked.append(f"that tree head is signed by ledger key {public_key.hex()}")
        return checked
    if kind == CONSISTENCY_FORMAT:
        old, new = _int(document, "old_size"), _int(document, "new_size")
        old_root, new_root = _hex(document, "old_root"), _hex(document, "new_root")
        verify_consistency(old, new, old_root, new_root, _hex_list(document, "path"))
        checked.append(f"the tree of {new} entries only appended to the tree of {old}")
        for key, size, root in (
            ("old_signed_tree_head", old, old_root),
            ("new_signed_tree_head", new, new_root),
        ):
            if _signed_head(document, key, size, root, public_key):
                checked.append(f"the head of {size} entries is signed by {public_key.hex()}")
        return checked
    raise LedgerError(
        f"not an ivs proof document: format {kind!r}; expected {INCLUSION_FORMAT!r} or "
        f"{CONSISTENCY_FORMAT!r}. Export the proof again with `ivs ledger prove`."
    )
