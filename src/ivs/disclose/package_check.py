"""Checking and opening a response package, offline, as its recipient does
(``ivs package verify`` and ``ivs package open``; the layout is in ``package.py``).

Verification needs nothing but the package and, to trust it, the agency's published ledger
key (and, to tie it to what the agency published, a signed tree head). It checks, in order:
the archive is exactly the canonical ZIP of its three members (so no byte of it can change
unnoticed); the signature of ``package.json`` by the ledger key; the ciphertext's SHA-256;
the inclusion proof of the release entry (the entry's text, the path to the root, the tree
head's signature); that the entry names this batch, these digests and these recipients'
keys; and, given a published head, that the proof's head is that head (or, with a
consistency proof, one the published head extends).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ivs.disclose.package import (
    CIPHERTEXT_MEMBER,
    MANIFEST_MEMBER,
    MEMBERS,
    PACKAGE_FORMAT,
    SIGNATURE_MEMBER,
    package_zip,
)
from ivs.domain.errors import LedgerError, PackageError
from ivs.ledger.entries import canonical_json, parse_entry
from ivs.ledger.proof_documents import CONSISTENCY_FORMAT, check_proof_document
from ivs.ledger.tree_head import SignedTreeHead, verify_tree_head

__all__ = [
    "CheckedPackage",
    "open_package",
    "read_identities",
    "read_public_key",
    "read_tree_head",
    "verify_package",
]


@dataclass(frozen=True, slots=True)
class CheckedPackage:
    """A package that verified: its manifest, ciphertext, and what was checked."""

    manifest: Mapping[str, Any]
    ciphertext: bytes
    checked: list[str] = field(default_factory=list)

    @property
    def batch_id(self) -> str:
        return str(self.manifest["batch_id"])


def read_public_key(path: Path) -> bytes:
    """The agency's published ledger key: hex of the raw 32 bytes (``ledger.ed25519.pub``)."""
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError as e:
        raise PackageError(f"{path}: not a hex Ed25519 public key ({e})") from e
    if len(key) != 32:
        raise PackageError(f"{path}: an Ed25519 public key is 32 bytes, this is {len(key)}")
    return key


def read_tree_head(path: Path) -> SignedTreeHead:
    """A published signed tree head: base64 text of its 152 bytes, or the bytes themselves."""
    data = path.read_bytes()
    try:
        return SignedTreeHead.from_bytes(base64.b64decode(data.strip(), validate=True))
    except (binascii.Error, ValueError, LedgerError):
        try:
            return SignedTreeHead.from_bytes(data)
        except LedgerError as e:
            raise PackageError(f"{path}: not a signed tree head ({e})") from e


def read_identities(path: Path) -> list[pyrage.x25519.Identity]:
    """The age identities in a key file (``AGE-SECRET-KEY-1…`` lines; ``#`` comments)."""
    identities = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(text))
        except pyrage.IdentityError as e:
            raise PackageError(
                f"{path}, line {number}: not an age X25519 identity ({e}); give the file "
                "`age-keygen` wrote"
            ) from e
    if not identities:
        raise PackageError(f"{path} holds no age identity (AGE-SECRET-KEY-1…)")
    return identities


def _members(data: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if tuple(names) != MEMBERS:
                raise PackageError(
                    f"the package holds {names}, not exactly {list(MEMBERS)}: it is not an "
                    f"{PACKAGE_FORMAT} package, or it was altered"
                )
            members = {name: archive.read(name) for name in MEMBERS}
    except PackageError:
        raise
    except Exception as e:
        # An altered archive makes zipfile fail in many ways (BadZipFile, a header that claims
        # encryption or an unknown compression, struct and decoding errors): all mean the same.
        raise PackageError(
            f"the package is not a readable ZIP archive ({type(e).__name__}: {e}): it was "
            "altered. Do not use it; ask for it again."
        ) from e
    if package_zip(members) != data:
        raise PackageError(
            "the package's archive differs from the canonical archive of its own members: "
            "bytes outside the members were altered or added. Do not use it; ask for it again."
        )
    return members


def _manifest(text: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise PackageError(f"{MANIFEST_MEMBER} is not UTF-8 JSON ({e})") from e
    if not isinstance(manifest, dict) or manifest.get("format") != PACKAGE_FORMAT:
        raise PackageError(f"{MANIFEST_MEMBER} is not an {PACKAGE_FORMAT} manifest")
    if canonical_json(manifest).encode("utf-8") != text:
        raise PackageError(f"{MANIFEST_MEMBER} is not in canonical form: it was altered")
    wrong = [
        key
        for key, kind in _MANIFEST_FIELDS.items()
        if not isinstance(manifest.get(key), kind) or isinstance(manifest.get(key), bool)
    ]
    ciphertext, recipients = manifest.get("ciphertext"), manifest.get("recipients")
    if isinstance(ciphertext, dict) and not isinstance(ciphertext.get("sha256"), str):
        wrong.append("ciphertext.sha256")
    if isinstance(recipients, list) and not all(isinstance(r, dict) for r in recipients):
        wrong.append("recipients[]")
    if wrong:
        raise PackageError(
            f"{MANIFEST_MEMBER} lacks or mistypes {', '.join(wrong)}: it is not an "
            f"{PACKAGE_FORMAT} manifest"
        )
    return manifest


_MANIFEST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "batch_id": str,
    "agency": str,
    "number": int,
    "record_count": int,
    "outcomes": dict,
    "plaintext_sha256": str,
    "ciphertext": dict,
    "recipients": list,
    "ledger": dict,
}


def _check_entry(manifest: Mapping[str, Any], entry_text: object, index: int) -> None:
    """The release entry says what the manifest says: batch, digests, recipients' keys."""
    try:
        at, entry = parse_entry(str(entry_text).encode("utf-8"))
    except LedgerError as e:
        raise PackageError(f"the release entry in the proof is not a ledger entry ({e})") from e
    body = entry.body
    delivery = body.get("delivery")
    fingerprints = sorted(str(r.get("fingerprint")) for r in manifest["recipients"])
    listed = delivery.get("recipients") if isinstance(delivery, dict) else None
    recorded = (
        sorted(str(r.get("fingerprint")) if isinstance(r, dict) else "" for r in listed)
        if isinstance(listed, list)
        else None
    )
    problems = [
        what
        for what, ok in (
            ("its index", at == index),
            ("its kind", entry.kind.value == "response_released"),
            ("the batch", body.get("batch_id") == manifest.get("batch_id")),
            (
                "the plaintext digest",
                body.get("response_sha256") == manifest.get("plaintext_sha256"),
            ),
            (
                "the ciphertext digest",
                isinstance(delivery, dict)
                and delivery.get("ciphertext_sha256") == manifest["ciphertext"].get("sha256"),
            ),
            ("the recipients' keys", recorded == fingerprints),
            (
                "which response of the batch",
                isinstance(delivery, dict) and delivery.get("number") == manifest.get("number"),
            ),
        )
        if not ok
    ]
    if problems:
        raise PackageError(
            f"ledger entry {index} does not record this package ({', '.join(problems)} "
            "differ): the package was not released as it stands"
        )


def _check_published(
    proof: Mapping[str, Any],
    tree_head: SignedTreeHead,
    public_key: bytes,
    consistency: Mapping[str, Any] | None,
) -> str:
    try:
        verify_tree_head(tree_head, public_key)
    except LedgerError as e:
        raise PackageError(f"the published tree head does not verify: {e}") from e
    size, root = int(proof["tree_size"]), bytes.fromhex(str(proof["root"]))
    published = tree_head.head
    if published.size == size:
        if published.root != root:
            raise PackageError(
                f"the package's tree head of {size} entries has root {root.hex()}, the "
                f"published one {published.root.hex()}: the ledger was forked. Keep both and "
                "report it."
            )
        return f"the release is in the published tree head of {size} entries"
    if consistency is None or published.size < size:
        raise PackageError(
            f"the package's proof is against the tree head of {size} entries; the published "
            f"head has {published.size}. Give the consistency proof between them "
            f"(the agency's `ivs ledger consistency {size}` when its head has "
            f"{published.size} entries) with --consistency."
        )
    if (
        consistency.get("format") != CONSISTENCY_FORMAT
        or consistency.get("old_size") != size
        or consistency.get("new_size") != published.size
        or consistency.get("old_root") != root.hex()
        or consistency.get("new_root") != published.root.hex()
    ):
        raise PackageError(
            f"the consistency proof is not from the package's head ({size} entries, root "
            f"{root.hex()}) to the published head ({published.size} entries)"
        )
    try:
        check_proof_document(consistency, public_key)
    except LedgerError as e:
        raise PackageError(f"the consistency proof does not verify: {e}") from e
    return (
        f"the published tree head of {published.size} entries extends the package's head "
        f"of {size}: the release is in it"
    )


def verify_package(
    data: bytes,
    *,
    public_key: bytes | None = None,
    tree_head: SignedTreeHead | None = None,
    consistency: Mapping[str, Any] | None = None,
) -> CheckedPackage:
    """Check a package (see the module docstring); PackageError says what failed.

    ``public_key`` is the agency's published ledger key; without it the key carried in the
    package's proof is used, which shows only that the package is self-consistent."""
    members = _members(data)
    manifest = _manifest(members[MANIFEST_MEMBER])
    checked = ["the archive is the canonical archive of its three members"]
    try:
        ledger = manifest["ledger"]
        proof = ledger["inclusion_proof"]
        index = int(ledger["release_entry"])
        carried = bytes.fromhex(str(proof["public_key"]))
    except (KeyError, TypeError, ValueError) as e:
        raise PackageError(f"{MANIFEST_MEMBER} lacks its ledger proof ({e})") from e
    key = public_key if public_key is not None else carried
    if public_key is None:
        checked.append(
            "(no published ledger key given: the key the package carries was used, which "
            "shows only that it is self-consistent; give --public-key ledger.ed25519.pub)"
        )
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(
            members[SIGNATURE_MEMBER], members[MANIFEST_MEMBER]
        )
    except (InvalidSignature, ValueError) as e:
        raise PackageError(
            f"the signature in {SIGNATURE_MEMBER} does not verify with ledger key {key.hex()}: "
            "the package was altered or not signed by the agency. Do not use it."
        ) from e
    checked.append(f"{MANIFEST_MEMBER} is signed by ledger key {key.hex()}")
    ciphertext = members[CIPHERTEXT_MEMBER]
    digest = hashlib.sha256(ciphertext).hexdigest()
    if digest != manifest.get("ciphertext", {}).get("sha256"):
        raise PackageError(
            f"{CIPHERTEXT_MEMBER} has SHA-256 {digest}, not the one the signed manifest "
            "records: it was altered. Do not use it."
        )
    checked.append(f"{CIPHERTEXT_MEMBER} has the signed SHA-256 {digest}")
    if proof.get("index") != index or proof.get("signed_tree_head") is None:
        raise PackageError("the package's proof is not of its release entry under a signed head")
    try:
        checked += check_proof_document(proof, key)
    except LedgerError as e:
        raise PackageError(f"the inclusion proof of the release does not verify: {e}") from e
    _check_entry(manifest, proof.get("entry"), index)
    checked.append(
        f"ledger entry {index} records this release: batch, digests and recipients' keys"
    )
    if tree_head is not None:
        checked.append(_check_published(proof, tree_head, key, consistency))
    return CheckedPackage(manifest, ciphertext, checked)


def open_package(
    data: bytes,
    identities: Sequence[pyrage.x25519.Identity],
    *,
    public_key: bytes | None = None,
    tree_head: SignedTreeHead | None = None,
) -> tuple[CheckedPackage, bytes]:
    """Verify the package, decrypt its response and check the plaintext's digest."""
    checked = verify_package(data, public_key=public_key, tree_head=tree_head)
    try:
        plaintext = pyrage.decrypt(checked.ciphertext, list(identities))
    except pyrage.DecryptError as e:
        fingerprints = ", ".join(
            str(r.get("fingerprint"))[:16] for r in checked.manifest.get("recipients", [])
        )
        raise PackageError(
            f"the key given cannot open the package of batch {checked.batch_id} ({e}): it is "
            f"not one of its recipients' keys (fingerprints {fingerprints}…). Use the key of "
            "a recipient the batch's manifest names."
        ) from e
    digest = hashlib.sha256(plaintext).hexdigest()
    if digest != checked.manifest.get("plaintext_sha256"):
        raise PackageError(
            f"the decrypted response has SHA-256 {digest}, not the signed "
            f"{checked.manifest.get('plaintext_sha256')}: do not use it"
        )
    checked.checked.append(f"the decrypted response has the signed SHA-256 {digest}")
    return checked, plaintext
