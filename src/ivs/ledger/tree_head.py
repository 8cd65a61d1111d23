"""Signed tree heads: the ledger's size and root at a moment, signed with Ed25519.

A signed head is what the agency hands to a court or an auditor: with it, an inclusion proof
shows an entry is on the record, and a consistency proof between two heads shows the record
was only appended to in between.

Canonical bytes of a head (the signed message), 56 bytes, all integers big-endian:

    offset  size  field
    0       7     b"IVS-STH"        domain tag: a signature over a head is never valid as a
                                     signature over anything else the same key signs
    7       1     0x01              layout version
    8       8     tree size         uint64, number of entries
    16      8     timestamp         uint64, milliseconds since 1970-01-01T00:00:00Z
    24      32    root              RFC 9162 tree hash of the first ``size`` entries

A signed head in bytes is those 56 bytes, then the 32-byte key id (SHA-256 of the raw
32-byte Ed25519 public key), then the 64-byte Ed25519 signature over the 56 bytes: 152 bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ivs.domain.errors import LedgerError
from ivs.ledger.merkle import HASH_SIZE, check_hash

__all__ = [
    "TREE_HEAD_SIZE",
    "SignedTreeHead",
    "TreeHead",
    "key_id",
    "sign_tree_head",
    "verify_tree_head",
]

_TAG = b"IVS-STH"
_VERSION = 1
TREE_HEAD_SIZE = len(_TAG) + 1 + 8 + 8 + HASH_SIZE
_SIGNATURE_SIZE = 64
_UINT64_LIMIT = 1 << 64


def key_id(public_key_bytes: bytes) -> bytes:
    """SHA-256 of a raw Ed25519 public key: names the key that signed a head."""
    return hashlib.sha256(public_key_bytes).digest()


@dataclass(frozen=True, slots=True)
class TreeHead:
    """The ledger's state at ``timestamp_ms``: its first ``size`` entries hash to ``root``."""

    size: int
    root: bytes
    timestamp_ms: int

    def __post_init__(self) -> None:
        if not 0 <= self.size < _UINT64_LIMIT:
            raise LedgerError(f"tree head size {self.size} is not a uint64 entry count")
        if not 0 <= self.timestamp_ms < _UINT64_LIMIT:
            raise LedgerError(
                f"tree head timestamp {self.timestamp_ms} is not uint64 milliseconds since 1970"
            )
        check_hash(self.root, "tree head root")

    def to_bytes(self) -> bytes:
        """The canonical 56-byte layout in the module docstring; this is what is signed."""
        return (
            _TAG
            + bytes([_VERSION])
            + self.size.to_bytes(8, "big")
            + self.timestamp_ms.to_bytes(8, "big")
            + bytes(self.root)
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> TreeHead:
        if len(data) != TREE_HEAD_SIZE or data[: len(_TAG)] != _TAG:
            raise LedgerError(
                f"not an ivs tree head: expected {TREE_HEAD_SIZE} bytes starting with "
                f"{_TAG!r}, got {len(data)} bytes. Export the head again from the ledger."
            )
        version = data[len(_TAG)]
        if version != _VERSION:
            raise LedgerError(
                f"tree head layout version {version} is not known here (this reads "
                f"version {_VERSION}); verify it with the release that wrote it."
            )
        return cls(
            size=int.from_bytes(data[8:16], "big"),
            timestamp_ms=int.from_bytes(data[16:24], "big"),
            root=bytes(data[24:56]),
        )


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    """A tree head, the id of the key that signed it, and the Ed25519 signature."""

    head: TreeHead
    key_id: bytes
    signature: bytes

    def to_bytes(self) -> bytes:
        return self.head.to_bytes() + self.key_id + self.signature

    @classmethod
    def from_bytes(cls, data: bytes) -> SignedTreeHead:
        expected = TREE_HEAD_SIZE + HASH_SIZE + _SIGNATURE_SIZE
        if len(data) != expected:
            raise LedgerError(
                f"not an ivs signed tree head: expected {expected} bytes, got {len(data)}. "
                "Export the signed head again from the ledger."
            )
        head = TreeHead.from_bytes(data[:TREE_HEAD_SIZE])
        signer = bytes(data[TREE_HEAD_SIZE : TREE_HEAD_SIZE + HASH_SIZE])
        return cls(head=head, key_id=signer, signature=bytes(data[TREE_HEAD_SIZE + HASH_SIZE :]))


def _raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign_tree_head(head: TreeHead, private_key: Ed25519PrivateKey) -> SignedTreeHead:
    return SignedTreeHead(
        head=head,
        key_id=key_id(_raw_public_key(private_key)),
        signature=private_key.sign(head.to_bytes()),
    )


def verify_tree_head(signed: SignedTreeHead, public_key_bytes: bytes) -> None:
    """Check the head was signed by the key whose raw 32 bytes are ``public_key_bytes``."""
    try:
        public_key = Ed25519PublicKey.from_public_bytes(public_key_bytes)
    except ValueError as e:
        raise LedgerError(
            f"the ledger's public key must be 32 raw Ed25519 bytes, got "
            f"{len(public_key_bytes)}: no head can be checked with it. Use the key the "
            "agency published for its ledger."
        ) from e
    if signed.key_id != key_id(public_key_bytes):
        raise LedgerError(
            f"tree head of {signed.head.size} entries names signing key "
            f"{signed.key_id.hex()}, not the given key {key_id(public_key_bytes).hex()}: "
            "it was signed with another key. Check it with the key it names, if that key "
            "is one the agency published."
        )
    try:
        public_key.verify(signed.signature, signed.head.to_bytes())
    except InvalidSignature as e:
        raise LedgerError(
            f"signature on the tree head of {signed.head.size} entries (root "
            f"{signed.head.root.hex()}) does not verify: the head or its signature has been "
            "altered. Treat the head as unverified and report it."
        ) from e
