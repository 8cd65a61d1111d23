"""Signed tree heads: canonical bytes, signing, and what verification refuses."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ivs.domain.errors import LedgerError
from ivs.ledger import SignedTreeHead, TreeHead, key_id, sign_tree_head, verify_tree_head
from ivs.ledger.tree_head import TREE_HEAD_SIZE

ROOT = bytes(range(32))
HEAD = TreeHead(size=10_000_000, root=ROOT, timestamp_ms=1_767_225_600_000)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))
PUBLIC = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_canonical_bytes_follow_the_documented_layout() -> None:
    data = HEAD.to_bytes()
    assert len(data) == TREE_HEAD_SIZE == 56
    assert data[:8] == b"IVS-STH\x01"
    assert data[8:16] == (10_000_000).to_bytes(8, "big")
    assert data[16:24] == (1_767_225_600_000).to_bytes(8, "big")
    assert data[24:] == ROOT
    assert TreeHead.from_bytes(data) == HEAD


def test_signed_head_verifies_and_round_trips() -> None:
    signed = sign_tree_head(HEAD, KEY)
    assert signed.key_id == key_id(PUBLIC)
    verify_tree_head(signed, PUBLIC)
    data = signed.to_bytes()
    assert len(data) == 56 + 32 + 64
    assert SignedTreeHead.from_bytes(data) == signed
    verify_tree_head(SignedTreeHead.from_bytes(data), PUBLIC)


@pytest.mark.parametrize("offset", [8, 15, 16, 23, 24, 55])
def test_altering_any_field_breaks_the_signature(offset: int) -> None:
    data = bytearray(sign_tree_head(HEAD, KEY).to_bytes())
    data[offset] ^= 1
    with pytest.raises(LedgerError, match="does not verify"):
        verify_tree_head(SignedTreeHead.from_bytes(bytes(data)), PUBLIC)


def test_altered_signature_is_refused() -> None:
    signed = sign_tree_head(HEAD, KEY)
    bad = SignedTreeHead(
        signed.head, signed.key_id, bytes([signed.signature[0] ^ 1]) + signed.signature[1:]
    )
    with pytest.raises(LedgerError, match="does not verify"):
        verify_tree_head(bad, PUBLIC)


def test_another_key_is_refused() -> None:
    signed = sign_tree_head(HEAD, KEY)
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    with pytest.raises(LedgerError, match="another key"):
        verify_tree_head(signed, other)
    # Even if the key id is made to match, the signature still does not.
    relabelled = SignedTreeHead(signed.head, key_id(other), signed.signature)
    with pytest.raises(LedgerError, match="does not verify"):
        verify_tree_head(relabelled, other)
    with pytest.raises(LedgerError, match="32 raw Ed25519 bytes"):
        verify_tree_head(signed, PUBLIC[:31])


def test_malformed_heads_are_refused() -> None:
    with pytest.raises(LedgerError):
        TreeHead(size=-1, root=ROOT, timestamp_ms=0)
    with pytest.raises(LedgerError):
        TreeHead(size=1 << 64, root=ROOT, timestamp_ms=0)
    with pytest.raises(LedgerError):
        TreeHead(size=1, root=ROOT[:31], timestamp_ms=0)
    with pytest.raises(LedgerError):
        TreeHead(size=1, root=ROOT, timestamp_ms=-5)
    data = HEAD.to_bytes()
    with pytest.raises(LedgerError, match="not an ivs tree head"):
        TreeHead.from_bytes(b"XVS-STH" + data[7:])
    with pytest.raises(LedgerError, match="version 2"):
        TreeHead.from_bytes(data[:7] + b"\x02" + data[8:])
    with pytest.raises(LedgerError, match="signed tree head"):
        SignedTreeHead.from_bytes(sign_tree_head(HEAD, KEY).to_bytes()[:-1])
