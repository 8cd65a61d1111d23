"""Build signed request batches for tests: real keys, real files, real signatures."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ivs.domain.schema import RECORD_COLUMNS
from ivs.formats import Signer, file_sha256, sign_manifest, write_manifest, write_signers

DIRECTOR_SEED = bytes(range(32))


def good_record(i: int, **overrides: str) -> dict[str, str]:
    record = {
        "request_id": f"R{i}",
        "last_name": "GARCIA",
        "first_name": "ANA",
        "middle_name": "",
        "name_suffix": "",
        "street_address": f"{100 + i} MAIN ST",
        "unit": "",
        "city": "HOUSTON",
        "state": "TX",
        "zip": "77002",
        "date_of_birth": "1980-05-06",
        "tin": "",
        "a_number": f"A{200000000 + i}",
        "removal_order_final_date": "2024-01-15",
        "reason": f"Subject {i} is under investigation for willful failure to depart.",
    }
    record.update(overrides)
    return record


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass
class BatchFiles:
    manifest: Path
    records: Path
    signers: Path
    key: Ed25519PrivateKey
    raw: dict[str, Any]


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(RECORD_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)


def make_batch(
    folder: Path,
    rows: list[dict[str, str]] | None = None,
    *,
    role: str = "head_of_agency",
    signer_agency: str = "DHS-ICE",
    valid_until: date | None = None,
    sign: bool = True,
    **manifest: Any,
) -> BatchFiles:
    folder.mkdir(parents=True, exist_ok=True)
    rows = rows if rows is not None else [good_record(i) for i in range(1, 6)]
    records = folder / "B.records.csv"
    write_csv(records, rows)
    key = Ed25519PrivateKey.from_private_bytes(DIRECTOR_SEED)
    signer = Signer(
        key_id="ice-director-2025",
        agency=signer_agency,
        name="Test Director",
        title="Director, U.S. Immigration and Customs Enforcement",
        role=role,
        public_key=public_bytes(key),
        valid_from=date(2025, 1, 20),
        valid_until=valid_until,
    )
    signers = folder / "signers.json"
    write_signers(signers, [signer])
    raw: dict[str, Any] = {
        "format": "ivs-request-batch/1",
        "batch_id": "TEST-2025-06-27-A",
        "requesting_agency": "DHS-ICE",
        "submitted_at": "2025-06-27T14:00:00Z",
        "signer": {"key_id": "ice-director-2025", "name": "Test Director", "title": "Director"},
        "statute": "8 U.S.C. 1253(a)(1)",
        "purpose": "Investigation of willful failure to depart after a final order of removal",
        "reason": "The taxpayer's current address is needed to locate the subject.",
        "tax_periods": ["2022", "2023", "2024"],
        "recipients": [{"name": "Agent Smith", "title": "Special Agent", "office": "ERO Houston"}],
        "solely_for_use_certification": True,
        "records": {"file": records.name, "sha256": file_sha256(records), "count": len(rows)},
    }
    raw.update(manifest)
    signed = sign_manifest(raw, key) if sign else raw
    path = folder / "B.manifest.json"
    write_manifest(path, signed)
    return BatchFiles(path, records, signers, key, signed)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
