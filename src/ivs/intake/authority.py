"""Batch authority: may this batch be answered at all? (26 U.S.C. 6103(i)(2)(A))

Pure functions from the manifest object, the signer roster and facts about the records file
to a list of problems. Every problem found is reported, not only the first: a requester fixing
a batch wants all of them at once. An empty list means the batch may proceed to record checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ivs.domain.schema import SIGNING_ROLES
from ivs.domain.settings import Settings
from ivs.formats.manifest import check_manifest, manifest_signature_valid, parse_instant
from ivs.formats.signers import Signer
from ivs.intake.statute import statute_problem

__all__ = ["RecordsFileFacts", "authority_problems", "records_file_problems"]

# Clocks differ between agencies; a submission stamped a little ahead of ours is not suspect.
_CLOCK_SKEW = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class RecordsFileFacts:
    """What was found on disk for the manifest's records file."""

    exists: bool
    sha256: str | None = None
    count: int | None = None  # None when the file was not parsed (e.g. hash mismatch)


def _structural(raw: dict[str, Any], file: str) -> list[str]:
    return [f"{p.field}: {p.message}" if p.field else p.message for p in check_manifest(raw, file)]


def authority_problems(
    raw: dict[str, Any],
    file: str,
    roster: Mapping[str, Signer],
    settings: Settings,
    *,
    now: datetime,
) -> list[str]:
    """Every reason the manifest ``raw`` does not carry lawful authority, in reading order."""
    problems = _structural(raw, file)
    signer_info = raw.get("signer") if isinstance(raw.get("signer"), dict) else {}
    key_id = signer_info.get("key_id") if isinstance(signer_info, dict) else None
    submitted: datetime | None = None
    if isinstance(raw.get("submitted_at"), str):
        try:
            submitted = parse_instant(raw["submitted_at"])
        except ValueError:
            submitted = None
    if submitted is not None and submitted > now + _CLOCK_SKEW:
        problems.append(f"submitted_at {raw['submitted_at']} is in the future")

    signer = roster.get(key_id) if isinstance(key_id, str) else None
    if isinstance(key_id, str) and signer is None:
        problems.append(
            f"signer key {key_id!r} is not in the signer roster; only listed officials may sign"
        )
    if signer is not None:
        if not manifest_signature_valid(raw, signer.public_key):
            problems.append(
                f"signature is not valid for this manifest under key {signer.key_id!r}: the "
                "manifest was altered after signing, or signed with another key"
            )
        if signer.role not in SIGNING_ROLES:
            problems.append(
                f"signer {signer.name} ({signer.key_id}) has role {signer.role!r}; only the head "
                "of the agency or its Inspector General may sign a request (6103(i)(2)(A))"
            )
        if submitted is not None and not signer.valid_on(submitted.date()):
            until = signer.valid_until.isoformat() if signer.valid_until else "open"
            problems.append(
                f"signer key {signer.key_id!r} is valid {signer.valid_from.isoformat()} to "
                f"{until}, not on {submitted.date().isoformat()} when the batch was submitted"
            )
        agency = raw.get("requesting_agency")
        if isinstance(agency, str) and agency != signer.agency:
            problems.append(
                f"signer {signer.key_id!r} belongs to agency {signer.agency!r}, but the batch is "
                f"from {agency!r}"
            )

    statute = raw.get("statute")
    if isinstance(statute, str) and statute.strip():
        why = statute_problem(statute, settings.statute_allow_list)
        if why:
            problems.append(why)

    records = raw.get("records") if isinstance(raw.get("records"), dict) else {}
    count = records.get("count") if isinstance(records, dict) else None
    if isinstance(count, int) and count > settings.max_batch_records:
        problems.append(
            f"the batch declares {count:,} records, more than the maximum of "
            f"{settings.max_batch_records:,} (setting max_batch_records): sweeping requests are "
            "not accepted; split the batch"
        )
    if isinstance(count, int) and count == 0:
        problems.append("the batch declares no records")
    return problems


def records_file_problems(
    raw: dict[str, Any], facts: RecordsFileFacts, settings: Settings
) -> list[str]:
    """Problems with the records file against what the manifest declares."""
    records = raw.get("records")
    if not isinstance(records, dict):
        return []
    name = records.get("file")
    if not facts.exists:
        return [f"records file {name!r} not found beside the manifest"]
    problems = []
    declared = records.get("sha256")
    if isinstance(declared, str) and facts.sha256 is not None and declared.lower() != facts.sha256:
        problems.append(
            f"records file {name!r} has SHA-256 {facts.sha256}, not {declared.lower()} as signed: "
            "the file changed after signing"
        )
    count = records.get("count")
    if isinstance(count, int) and facts.count is not None and facts.count != count:
        problems.append(
            f"records file {name!r} holds {facts.count:,} records, not {count:,} as signed"
        )
    if facts.count is not None and facts.count > settings.max_batch_records:
        problems.append(
            f"records file holds {facts.count:,} records, more than the maximum of "
            f"{settings.max_batch_records:,}"
        )
    return problems
