"""The response package: what leaves the agency (``ivs-response-package/1``).

A package is a ZIP archive of exactly three members, in this order, stored (not compressed),
each dated 1980-01-01 00:00:00, so that the same members always make the same bytes:

``response.csv.age``
    The response file (formats.md §3) encrypted with age (age-encryption.org/v1, X25519) to
    every registered key of the recipients the batch's manifest names. Only they can read it.
``package.json``
    Canonical JSON (keys sorted, no whitespace, UTF-8): the format, batch, requesting agency,
    which response of the batch (0 its response, N its N-th review supplement), counts by
    outcome, the SHA-256 of the plaintext and of ``response.csv.age``, the recipients with
    their keys and fingerprints, and the ledger: the index of the ``response_released`` entry
    that records this release and an inclusion proof of it (``ivs-inclusion-proof/1``, with
    the entry's text and the signed tree head).
``package.sig``
    The 64-byte Ed25519 signature of the bytes of ``package.json`` by the tax agency's ledger
    key (the key that signs the ledger's tree heads, published as ``ledger.ed25519.pub``).

The signature covers the manifest, the manifest carries the ciphertext's digest, and the
ledger entry carries both digests and the recipients: an altered byte anywhere fails
verification (``package_check.verify_package``).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ivs.domain.errors import PackageError
from ivs.domain.ids import path_for_id
from ivs.formats.recipients import RecipientKey
from ivs.formats.response import write_atomically
from ivs.ledger.entries import JsonValue, canonical_json
from ivs.ledger.log import Ledger
from ivs.ledger.proof_documents import InclusionProof
from ivs.store.package_tables import response_packages

__all__ = [
    "CIPHERTEXT_MEMBER",
    "MANIFEST_MEMBER",
    "MEMBERS",
    "PACKAGE_FORMAT",
    "SIGNATURE_MEMBER",
    "Sealed",
    "assemble_package",
    "delivery_record",
    "issue_package",
    "package_path",
    "package_zip",
    "seal_response",
]

PACKAGE_FORMAT = "ivs-response-package/1"
CIPHERTEXT_MEMBER = "response.csv.age"
MANIFEST_MEMBER = "package.json"
SIGNATURE_MEMBER = "package.sig"
MEMBERS = (CIPHERTEXT_MEMBER, MANIFEST_MEMBER, SIGNATURE_MEMBER)
_EPOCH = (1980, 1, 1, 0, 0, 0)


def package_path(out_dir: Path, batch_id: str, number: int = 0) -> Path:
    """``BATCH_ID.package.zip`` (the response), ``BATCH_ID.supplement-N.package.zip``."""
    suffix = ".package.zip" if number == 0 else f".supplement-{int(number)}.package.zip"
    return path_for_id(out_dir, batch_id, suffix)


@dataclass(frozen=True, slots=True)
class Sealed:
    """A response encrypted to its recipients, before its release is recorded."""

    ciphertext: bytes
    plaintext_sha256: str
    ciphertext_sha256: str
    recipients: tuple[RecipientKey, ...]


def seal_response(plaintext: bytes, recipients: Sequence[RecipientKey]) -> Sealed:
    """``plaintext`` encrypted with age to every key of ``recipients``."""
    if not recipients:
        raise PackageError("a response package needs at least one recipient key")
    try:
        keys = [pyrage.x25519.Recipient.from_str(r.public_key) for r in recipients]
        ciphertext = pyrage.encrypt(plaintext, keys)
    except (pyrage.RecipientError, pyrage.EncryptError) as e:
        raise PackageError(f"the response could not be encrypted to its recipients: {e}") from e
    return Sealed(
        ciphertext=ciphertext,
        plaintext_sha256=hashlib.sha256(plaintext).hexdigest(),
        ciphertext_sha256=hashlib.sha256(ciphertext).hexdigest(),
        recipients=tuple(recipients),
    )


def _recipients(keys: Sequence[RecipientKey]) -> list[JsonValue]:
    return [{"name": k.name, "office": k.office, "fingerprint": k.fingerprint} for k in keys]


def delivery_record(sealed: Sealed, number: int) -> dict[str, JsonValue]:
    """What the ``response_released`` entry says of a package (``delivery``)."""
    return {
        "form": "package",
        "number": number,
        "ciphertext_sha256": sealed.ciphertext_sha256,
        "recipients": _recipients(sealed.recipients),
    }


def package_zip(members: Mapping[str, bytes]) -> bytes:
    """The canonical ZIP of the three members: fixed order, dates and attributes, stored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in MEMBERS:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, members[name])
    return buffer.getvalue()


def assemble_package(
    sealed: Sealed,
    *,
    batch_id: str,
    agency: str,
    number: int,
    record_count: int,
    outcomes: Mapping[str, int],
    release_entry: int,
    proof: InclusionProof,
    signing_key: Ed25519PrivateKey,
    created_at: str,
) -> bytes:
    """The package's bytes, once its release is on the ledger as entry ``release_entry``
    and ``proof`` shows that entry under a signed tree head."""
    if proof.index != release_entry or proof.signed_head is None:
        raise PackageError(
            f"batch {batch_id}: the package needs a proof of its release entry "
            f"{release_entry} under a signed tree head"
        )
    manifest: dict[str, Any] = {
        "format": PACKAGE_FORMAT,
        "batch_id": batch_id,
        "agency": agency,
        "number": number,
        "record_count": record_count,
        "outcomes": dict(sorted(outcomes.items())),
        "created_at": created_at,
        "plaintext_sha256": sealed.plaintext_sha256,
        "ciphertext": {
            "member": CIPHERTEXT_MEMBER,
            "encryption": "age-encryption.org/v1 X25519",
            "sha256": sealed.ciphertext_sha256,
        },
        "recipients": [
            {
                "name": k.name,
                "office": k.office,
                "public_key": k.public_key,
                "fingerprint": k.fingerprint,
            }
            for k in sealed.recipients
        ],
        "ledger": {"release_entry": release_entry, "inclusion_proof": proof.to_document()},
    }
    text = canonical_json(manifest).encode("utf-8")
    return package_zip(
        {
            CIPHERTEXT_MEMBER: sealed.ciphertext,
            MANIFEST_MEMBER: text,
            SIGNATURE_MEMBER: signing_key.sign(text),
        }
    )


def issue_package(
    conn: sa.Connection,
    ledger: Ledger,
    sealed: Sealed,
    *,
    release_entry: int,
    tree_size: int,
    path: Path,
    batch_id: str,
    agency: str,
    number: int,
    record_count: int,
    outcomes: Mapping[str, int],
    created_at: str,
) -> bytes:
    """Assemble the package of the release recorded as ``release_entry`` (proved under the
    signed head of ``tree_size`` entries), keep it as the package standing for that response
    and write it to ``path``, last: in ``conn``'s transaction, which has the release."""
    data = assemble_package(
        sealed,
        batch_id=batch_id,
        agency=agency,
        number=number,
        record_count=record_count,
        outcomes=outcomes,
        release_entry=release_entry,
        proof=ledger.inclusion_proof(release_entry, tree_size, conn),
        signing_key=ledger.signing_key,
        created_at=created_at,
    )
    conn.execute(
        response_packages.delete()
        .where(response_packages.c.agency == agency)
        .where(response_packages.c.batch_id == batch_id)
        .where(response_packages.c.number == number)
    )
    conn.execute(
        response_packages.insert().values(
            agency=agency,
            batch_id=batch_id,
            number=number,
            path=str(path.resolve()),
            package_sha256=hashlib.sha256(data).hexdigest(),
            ciphertext_sha256=sealed.ciphertext_sha256,
            plaintext_sha256=sealed.plaintext_sha256,
            release_entry=release_entry,
            created_at=created_at,
        )
    )
    write_atomically(path, data)
    return data
