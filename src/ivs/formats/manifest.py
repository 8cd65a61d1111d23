"""The request batch manifest (formats.md §1.1): canonical bytes, signing, checking, reading."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ivs.domain.errors import FormatError, FormatErrors, InvalidIdentifier, Problem
from ivs.domain.ids import check_identifier
from ivs.domain.schema import MANIFEST_FORMAT
from ivs.formats.tabular import container_of, load_json_object

__all__ = [
    "Manifest",
    "Recipient",
    "canonical_manifest",
    "check_manifest",
    "file_sha256",
    "manifest_from_raw",
    "manifest_signature_valid",
    "parse_instant",
    "read_manifest",
    "read_manifest_json",
    "sign_manifest",
    "write_manifest",
]

_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    title: str
    office: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """A manifest whose fields have been checked; ``raw`` is the object as read."""

    path: Path
    raw: dict[str, Any]
    batch_id: str
    requesting_agency: str
    submitted_at: datetime
    signer_key_id: str
    signer_name: str
    signer_title: str
    statute: str
    purpose: str
    reason: str | None
    tax_periods: tuple[str, ...]
    recipients: tuple[Recipient, ...]
    solely_for_use_certification: bool
    records_file: Path
    records_sha256: str
    records_count: int
    signature: str

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical manifest, the batch's identity in the ledger."""
        return hashlib.sha256(canonical_manifest(self.raw)).hexdigest()


def canonical_manifest(raw: dict[str, Any]) -> bytes:
    """The bytes a signature covers: the manifest without ``signature``, canonically encoded."""
    body = {k: v for k, v in raw.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_manifest(raw: dict[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """A copy of ``raw`` with its ``signature`` set."""
    signature = private_key.sign(canonical_manifest(raw))
    return {**raw, "signature": base64.b64encode(signature).decode("ascii")}


def manifest_signature_valid(raw: dict[str, Any], public_key: bytes) -> bool:
    """Whether ``raw['signature']`` is a valid Ed25519 signature of the canonical manifest."""
    signature = raw.get("signature")
    if not isinstance(signature, str):
        return False
    try:
        sig = base64.b64decode(signature, validate=True)
        Ed25519PublicKey.from_public_bytes(public_key).verify(sig, canonical_manifest(raw))
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True


def parse_instant(value: str) -> datetime:
    """An RFC 3339 UTC instant (``...Z``); ``ValueError`` if it is not one."""
    if not _INSTANT.match(value):
        raise ValueError(
            f"expected an RFC 3339 UTC instant like 2025-06-27T14:00:00Z, got {value!r}"
        )
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in bounded chunks.

    The chunks are large because reading and hashing release the GIL: with few of them, a
    thread doing other work meanwhile seldom keeps this one waiting to take it back.
    """
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(16 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _text(raw: dict[str, Any], key: str, problems: list[Problem], file: str) -> str | None:
    value = raw.get(key)
    if value is None:
        problems.append(Problem(file, "required field is missing", None, key))
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(file, "must be a non-empty string", None, key))
        return None
    return value


def check_manifest(raw: dict[str, Any], file: str) -> list[Problem]:
    """Every structural problem of a manifest object (not its authority: see ``intake``)."""
    problems: list[Problem] = []
    fmt = raw.get("format")
    if fmt != MANIFEST_FORMAT:
        problems.append(Problem(file, f"must be '{MANIFEST_FORMAT}', got {fmt!r}", None, "format"))
    for key in ("batch_id", "requesting_agency", "statute", "purpose"):
        value = _text(raw, key, problems, file)
        if value is not None and key in ("batch_id", "requesting_agency"):
            # Both name files, store rows and log lines: the one identifier pattern.
            try:
                check_identifier(key, value)
            except InvalidIdentifier as e:
                problems.append(Problem(file, e.message, None, key))
    if "reason" in raw and raw["reason"] is not None and not isinstance(raw["reason"], str):
        problems.append(Problem(file, "must be a string", None, "reason"))
    submitted = _text(raw, "submitted_at", problems, file)
    if submitted is not None:
        try:
            parse_instant(submitted)
        except ValueError as e:
            problems.append(Problem(file, str(e), None, "submitted_at"))
    signer = raw.get("signer")
    if not isinstance(signer, dict):
        problems.append(
            Problem(file, "must be an object with key_id, name and title", None, "signer")
        )
    else:
        for key in ("key_id", "name", "title"):
            value = signer.get(key)
            if not isinstance(value, str) or not value.strip():
                problems.append(Problem(file, "must be a non-empty string", None, f"signer.{key}"))
    periods = raw.get("tax_periods")
    if not isinstance(periods, list) or not periods:
        problems.append(Problem(file, "must be a non-empty list of years", None, "tax_periods"))
    else:
        bad = [p for p in periods if not (isinstance(p, str) and _YEAR.match(p))]
        if bad:
            problems.append(
                Problem(
                    file,
                    f'each period must be a year like "2024"; got {bad[:3]!r}',
                    None,
                    "tax_periods",
                )
            )
    recipients = raw.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        problems.append(
            Problem(
                file,
                "must name at least one officer personally engaged (6103(i)(2)(A))",
                None,
                "recipients",
            )
        )
    else:
        for i, r in enumerate(recipients):
            if not isinstance(r, dict) or not all(
                isinstance(r.get(k), str) and r.get(k, "").strip()
                for k in ("name", "title", "office")
            ):
                problems.append(
                    Problem(
                        file,
                        "each recipient needs a non-empty name, title and office",
                        None,
                        f"recipients[{i}]",
                    )
                )
    if raw.get("solely_for_use_certification") is not True:
        problems.append(
            Problem(
                file,
                "must be true: the requester certifies sole use (6103(i)(2)(A))",
                None,
                "solely_for_use_certification",
            )
        )
    records = raw.get("records")
    if not isinstance(records, dict):
        problems.append(
            Problem(file, "must be an object with file, sha256 and count", None, "records")
        )
    else:
        rec_file = records.get("file")
        if not isinstance(rec_file, str) or not rec_file.strip():
            problems.append(Problem(file, "must name the records file", None, "records.file"))
        else:
            try:
                container_of(Path(rec_file))
            except FormatError as e:
                problems.append(Problem(file, e.problem.message, None, "records.file"))
        sha = records.get("sha256")
        if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", sha):
            problems.append(Problem(file, "must be 64 hex digits", None, "records.sha256"))
        count = records.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            problems.append(
                Problem(file, "must be a whole number of records", None, "records.count")
            )
    if not isinstance(raw.get("signature"), str) or not raw.get("signature"):
        problems.append(
            Problem(file, "required field is missing: the batch is unsigned", None, "signature")
        )
    return problems


def read_manifest_json(path: Path) -> dict[str, Any]:
    """The manifest object as read, unchecked; syntax errors raise ``FormatError``."""
    return load_json_object(path)


def manifest_from_raw(raw: dict[str, Any], path: Path) -> Manifest:
    """A typed manifest from an object that ``check_manifest`` found no problem with."""
    signer = raw["signer"]
    records = raw["records"]
    reason = raw.get("reason")
    return Manifest(
        path=path,
        raw=raw,
        batch_id=raw["batch_id"],
        requesting_agency=raw["requesting_agency"],
        submitted_at=parse_instant(raw["submitted_at"]),
        signer_key_id=signer["key_id"],
        signer_name=signer["name"],
        signer_title=signer["title"],
        statute=raw["statute"],
        purpose=raw["purpose"],
        reason=reason if isinstance(reason, str) and reason.strip() else None,
        tax_periods=tuple(raw["tax_periods"]),
        recipients=tuple(Recipient(r["name"], r["title"], r["office"]) for r in raw["recipients"]),
        solely_for_use_certification=True,
        records_file=path.parent / records["file"],
        records_sha256=records["sha256"].lower(),
        records_count=records["count"],
        signature=raw["signature"],
    )


def read_manifest(path: Path) -> Manifest:
    """Read and check a manifest; every structural problem is reported together."""
    raw = read_manifest_json(path)
    problems = check_manifest(raw, str(path))
    if problems:
        raise FormatErrors(problems)
    return manifest_from_raw(raw, path)


def write_manifest(path: Path, raw: dict[str, Any]) -> None:
    """Write a manifest object as readable, stable JSON (signature included as given)."""
    path.write_text(
        json.dumps(raw, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
