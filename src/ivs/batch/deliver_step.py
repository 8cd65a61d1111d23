"""How a batch's response leaves the agency: as a response package encrypted to the
recipients the manifest names (``disclose/package.py``), never in plaintext unless the operator
asks for it (``ivs run --plaintext-response``), which the ledger records.

The order keeps the ledger first: the response is encrypted, the release (plaintext and
ciphertext digests, recipients' key fingerprints) is recorded with a signed tree head, and only
then is the package assembled with the inclusion proof of that entry and written. A run that
stops after the record but before the file makes a new package next time (a new release on the
record: each package that ever existed is accounted for).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from ivs.batch.status import Finished, Release
from ivs.disclose.package import (
    Sealed,
    delivery_record,
    issue_package,
    package_path,
    seal_response,
)
from ivs.disclose.recipient_keys import batch_recipients
from ivs.domain.ids import BatchKey, path_for_id
from ivs.formats.manifest import Manifest
from ivs.formats.response import write_atomically
from ivs.ledger.log import Ledger
from ivs.store import batch_is
from ivs.store.package_tables import response_packages

__all__ = ["DeliveryPlan", "plan_delivery", "write_package"]


@dataclass
class DeliveryPlan:
    """What this run releases: a new package (``sealed``), the one already written
    (``kept``), a plaintext file, or nothing yet (``withheld_because``)."""

    plaintext_sha256: str
    sealed: Sealed | None = None
    kept: Path | None = None
    plaintext: Path | None = None
    withheld_because: str | None = None
    releases: list[Release] = field(default_factory=list)


def _standing_package(
    conn: sa.Connection, key: BatchKey, number: int, plaintext_sha256: str
) -> Path | None:
    """The package already made for this response, if its file is whole."""
    row = conn.execute(
        sa.select(response_packages)
        .where(batch_is(response_packages, key))
        .where(response_packages.c.number == number)
    ).first()
    if row is None or row.plaintext_sha256 != plaintext_sha256:
        return None
    path = Path(row.path)
    if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != row.package_sha256:
        return None
    return path


def plan_delivery(
    store: sa.Engine,
    manifest: Manifest,
    plaintext: bytes,
    *,
    out_dir: Path,
    plaintext_response: bool,
    operator: str,
) -> DeliveryPlan:
    """Encrypt the response to the batch's recipients (or keep the package already made),
    and write the plaintext file only if the operator asked for it. Keys are taken as valid
    on the day of release, which for a held batch may be long after its submission."""
    plan = DeliveryPlan(hashlib.sha256(plaintext).hexdigest())
    target = package_path(out_dir, manifest.batch_id)
    with store.connect() as conn:
        plan.kept = _standing_package(
            conn,
            BatchKey(manifest.requesting_agency, manifest.batch_id),
            0,
            plan.plaintext_sha256,
        )
        recipients = batch_recipients(
            conn, manifest.requesting_agency, manifest.recipients, datetime.now(UTC).date()
        )
    if plan.kept is not None and plan.kept.resolve() != target.resolve():
        # Answered again into another folder: the same package, byte for byte.
        write_atomically(target, plan.kept.read_bytes())
        plan.kept = target
    if plan.kept is None:
        if recipients.keys:
            plan.sealed = seal_response(plaintext, recipients.keys)
            plan.releases.append(Release(plan.plaintext_sha256, delivery_record(plan.sealed, 0)))
        else:
            plan.withheld_because = f"batch {manifest.batch_id}: " + recipients.describe_missing(
                manifest.requesting_agency
            )
    if plaintext_response:
        plan.plaintext = path_for_id(out_dir, manifest.batch_id, ".response.csv")
        write_atomically(plan.plaintext, plaintext)
        plan.releases.append(
            Release(
                plan.plaintext_sha256,
                {"form": "plaintext", "number": 0, "operator": operator},
            )
        )
    return plan


def write_package(
    store: sa.Engine,
    ledger: Ledger,
    sealed: Sealed,
    finished: Finished,
    *,
    path: Path,
    batch_id: str,
    agency: str,
    record_count: int,
    outcomes: Mapping[str, int],
) -> Path:
    """Assemble and write the package of the release ``finished`` recorded first."""
    with store.begin() as conn:
        issue_package(
            conn,
            ledger,
            sealed,
            release_entry=finished.release_entries[0],
            tree_size=finished.signed_head.head.size,
            path=path,
            batch_id=batch_id,
            agency=agency,
            number=0,
            record_count=record_count,
            outcomes=outcomes,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    return path
