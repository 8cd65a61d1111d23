"""Test signing keys derived from the seed, the signer roster, and the signed manifest.

The keys are for synthetic worlds only: anyone who knows the seed can derive them.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ivs.domain.schema import MANIFEST_FORMAT
from ivs.formats.manifest import file_sha256, sign_manifest, write_manifest
from ivs.formats.signers import Signer, write_signers

__all__ = ["DIRECTOR_KEY_ID", "TestKey", "test_keys", "write_keys", "write_signed_manifest"]

DIRECTOR_KEY_ID = "ice-director-2025"
KEY_SUFFIX = ".TEST-ONLY.ed25519"


@dataclass(frozen=True, slots=True)
class TestKey:
    signer: Signer
    private_key: Ed25519PrivateKey
    seed_bytes: bytes


def _key(seed: int, key_id: str) -> tuple[Ed25519PrivateKey, bytes]:
    raw = hashlib.sha256(f"ivs-synth/{seed}/key/{key_id}".encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(raw), raw


# key_id, agency, name, title, role, valid_from, valid_until
_ROSTER = (
    (
        DIRECTOR_KEY_ID,
        "DHS-ICE",
        "Director (synthetic)",
        "Director, U.S. Immigration and Customs Enforcement",
        "head_of_agency",
        date(2025, 1, 20),
        None,
    ),
    (
        "dhs-oig-2025",
        "DHS-ICE",
        "Inspector General (synthetic)",
        "Inspector General, U.S. Department of Homeland Security",
        "inspector_general",
        date(2025, 1, 20),
        None,
    ),
    (
        "ice-ero-delegate-2025",
        "DHS-ICE",
        "Deputy Assistant Director (synthetic)",
        "Deputy Assistant Director, Enforcement and Removal Operations",
        "delegate",
        date(2025, 1, 20),
        None,
    ),
    (
        "ice-director-2021",
        "DHS-ICE",
        "Former Director (synthetic)",
        "Director, U.S. Immigration and Customs Enforcement",
        "head_of_agency",
        date(2021, 1, 20),
        date(2025, 1, 19),
    ),
)


def test_keys(seed: int) -> list[TestKey]:
    """The roster's keys: director, inspector general, a delegate, and an expired director."""
    keys: list[TestKey] = []
    for key_id, agency, name, title, role, valid_from, valid_until in _ROSTER:
        private, raw = _key(seed, key_id)
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        signer = Signer(key_id, agency, name, title, role, public, valid_from, valid_until)
        keys.append(TestKey(signer, private, raw))
    return keys


_KEYS_README = f"""\
TEST KEYS ONLY. These Ed25519 private keys belong to a synthetic world made by `ivs synth`
and are derived from its seed: anyone can recompute them. Never use them for real batches.

Each `<key_id>{KEY_SUFFIX}` file holds the raw 32-byte private key (seed), base64 encoded.
"""


def write_keys(out_dir: Path, keys: list[TestKey]) -> list[Path]:
    """``signers.json`` and the private keys beside it, in ``keys/`` with a README."""
    write_signers(out_dir / "signers.json", [k.signer for k in keys])
    folder = out_dir / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text(_KEYS_README, encoding="utf-8")
    paths = [out_dir / "signers.json", folder / "README.md"]
    for key in keys:
        path = folder / f"{key.signer.key_id}{KEY_SUFFIX}"
        path.write_text(base64.b64encode(key.seed_bytes).decode("ascii") + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def write_signed_manifest(
    path: Path,
    records_path: Path,
    *,
    batch_id: str,
    submitted_at: str,
    count: int,
    signer: TestKey,
) -> dict[str, Any]:
    """Write the batch manifest (formats.md §1.1), signed by ``signer``; return it."""
    raw: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "batch_id": batch_id,
        "requesting_agency": "DHS-ICE",
        "submitted_at": submitted_at,
        "signer": {
            "key_id": signer.signer.key_id,
            "name": signer.signer.name,
            "title": signer.signer.title,
        },
        "statute": "8 U.S.C. 1253(a)(1)",
        "purpose": "Investigation of willful failure to depart after a final order of removal",
        "reason": (
            "The taxpayer's current address is needed to locate the subject of the investigation."
        ),
        "tax_periods": ["2022", "2023", "2024"],
        "recipients": [
            {
                "name": "Special Agent (synthetic) A",
                "title": "Special Agent",
                "office": "ERO Houston",
            },
            {
                "name": "Deportation Officer (synthetic) B",
                "title": "Deportation Officer",
                "office": "ERO Los Angeles",
            },
        ],
        "solely_for_use_certification": True,
        "records": {
            "file": records_path.name,
            "sha256": file_sha256(records_path),
            "count": count,
        },
    }
    signed = sign_manifest(raw, signer.private_key)
    write_manifest(path, signed)
    return signed
