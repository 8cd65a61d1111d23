"""A batch's passage on the record: its row of the ``batches`` table and the ledger entries
that mark each turn (received, refused, quarantined, submitted again, completed, released).

The one owner of ``batches.status``: the run and the service compare a batch's status only
through :class:`BatchStatus`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import sqlalchemy as sa

from ivs.batch.intake_step import IntakeOutcome
from ivs.domain.errors import Conflict
from ivs.domain.ids import BatchKey
from ivs.formats.manifest import file_sha256
from ivs.ledger.entries import (
    Entry,
    JsonValue,
    batch_completed,
    batch_quarantined,
    batch_received,
    batch_refused,
    duplicate_submission,
    response_released,
    response_withheld,
)
from ivs.ledger.log import Ledger
from ivs.ledger.tree_head import SignedTreeHead
from ivs.store import batch_is, batches

__all__ = [
    "BatchStatus",
    "Finished",
    "Release",
    "batch_key",
    "finish_batch",
    "record_duplicate",
    "record_quarantined",
    "record_refused",
    "register_batch",
    "set_rule_set",
]


class BatchStatus(StrEnum):
    """Where a batch stands. ``NEW`` is never stored: it is what :func:`register_batch` says of
    a batch this run has just recorded as received (stored as ``RUNNING``)."""

    NEW = "new"
    # Received and being decided; a run that stopped part-way leaves it so, to be resumed.
    RUNNING = "running"
    # Every decision on the record and the response released.
    COMPLETED = "completed"
    # Every decision on the record, the response barred: by the recipient agency's safeguards
    # review, or because no recipient the manifest names has a valid public key.
    WITHHELD = "withheld"

    @property
    def answered(self) -> bool:
        """Decided to the last record: a further run answers from the record."""
        return self in (BatchStatus.COMPLETED, BatchStatus.WITHHELD)


def _clock() -> datetime:
    return datetime.now(UTC)


def _received(intake: IntakeOutcome, at: datetime) -> Entry:
    m = intake.manifest
    return batch_received(
        at=at,
        batch_id=m.batch_id,
        manifest_digest=m.digest,
        signer_key_id=m.signer_key_id,
        requesting_agency=m.requesting_agency,
        statute=m.statute,
        tax_periods=m.tax_periods,
        record_count=intake.records.num_rows,
        recipients=m.recipients,
        purpose=m.purpose,
    )


def _manifest_file_digest(manifest: Path) -> str:
    try:
        return file_sha256(manifest)
    except OSError:
        return "unreadable"


def batch_key(intake: IntakeOutcome) -> BatchKey:
    """The batch's identity: its requesting agency and its id."""
    return BatchKey(intake.manifest.requesting_agency, intake.manifest.batch_id)


def record_refused(
    ledger: Ledger, batch_id: str | None, manifest: Path, problems: Sequence[str]
) -> None:
    """A batch refused as a whole at intake, on the record."""
    ledger.append(
        [
            batch_refused(
                at=_clock(),
                batch_id=batch_id,
                manifest_digest=_manifest_file_digest(manifest),
                problems=problems,
            )
        ]
    )


def record_quarantined(ledger: Ledger, intake: IntakeOutcome) -> None:
    """A batch received and held for legal review, on the record."""
    m = intake.manifest
    at = _clock()
    ledger.append(
        [
            _received(intake, at),
            batch_quarantined(
                at=at,
                agency=m.requesting_agency,
                batch_id=m.batch_id,
                manifest_digest=m.digest,
                reason=intake.quarantine_reason or "",
            ),
        ]
    )


def register_batch(
    store: sa.Engine, ledger: Ledger, intake: IntakeOutcome, out_dir: Path, now: datetime
) -> BatchStatus:
    """The batch's status before this run: ``NEW`` (now recorded as received), ``RUNNING``
    (a run that stopped part-way: resume it), ``COMPLETED`` or ``WITHHELD``.

    A batch id its agency already used for a different manifest is refused, on the record
    (Conflict); another agency's batch of the same id is another batch."""
    m = intake.manifest
    key = batch_key(intake)
    with store.begin() as conn:
        ledger.lock(conn)
        row = conn.execute(sa.select(batches).where(batch_is(batches, key))).first()
        if row is not None and row.manifest_digest == m.digest:
            conn.execute(
                batches.update()
                .where(batch_is(batches, key))
                .values(out_dir=str(out_dir.resolve()))
            )
            return BatchStatus(row.status)
        if row is None:
            conn.execute(
                batches.insert().values(
                    batch_id=m.batch_id,
                    manifest_digest=m.digest,
                    requesting_agency=m.requesting_agency,
                    record_count=intake.records.num_rows,
                    status=BatchStatus.RUNNING.value,
                    received_at=now.isoformat(timespec="seconds"),
                    out_dir=str(out_dir.resolve()),
                    statute=m.statute,
                )
            )
            ledger.append([_received(intake, _clock())], conn)
            return BatchStatus.NEW
    problem = (
        f"batch id {m.batch_id!r} was already used by a different batch of "
        f"{m.requesting_agency} (manifest digest {row.manifest_digest[:12]}…); a new batch "
        "needs a new batch_id"
    )
    ledger.append(
        [
            batch_refused(
                at=_clock(),
                batch_id=m.batch_id,
                manifest_digest=m.digest,
                problems=[problem],
                agency=m.requesting_agency,
            )
        ]
    )
    raise Conflict(problem)


def record_duplicate(store: sa.Engine, ledger: Ledger, intake: IntakeOutcome) -> None:
    """The same signed batch submitted again after it was answered, on the record."""
    m = intake.manifest
    with store.begin() as conn:
        ledger.lock(conn)
        first = conn.execute(
            sa.select(batches.c.received_at).where(batch_is(batches, batch_key(intake)))
        ).scalar_one()
        ledger.append(
            [
                duplicate_submission(
                    at=_clock(),
                    agency=m.requesting_agency,
                    batch_id=m.batch_id,
                    manifest_digest=m.digest,
                    first_received_at=str(first),
                )
            ],
            conn,
        )


def set_rule_set(store: sa.Engine, key: BatchKey, rule_set: str) -> None:
    """The rule set deciding the batch, kept with its row."""
    with store.begin() as conn:
        conn.execute(batches.update().where(batch_is(batches, key)).values(rule_set=rule_set))


@dataclass(frozen=True, slots=True)
class Release:
    """A response leaving the agency: its plaintext digest and how it goes (``delivery`` of
    the ``response_released`` entry: a package, or a plaintext file by the operator's choice)."""

    response_sha256: str
    delivery: Mapping[str, JsonValue]


@dataclass(frozen=True, slots=True)
class Finished:
    """The ledger entries of the releases recorded, in order, and the signed head over them."""

    release_entries: tuple[int, ...]
    signed_head: SignedTreeHead


def finish_batch(
    store: sa.Engine,
    ledger: Ledger,
    key: BatchKey,
    *,
    records: int,
    outcomes: Mapping[str, int],
    codes: Mapping[str, int],
    rule_set: str,
    counterfactual: Mapping[str, int] | None,
    releases: Sequence[Release],
    withheld_because: str | None,
    now: datetime,
) -> Finished:
    """The batch answered: completed on the record (once), each of ``releases`` recorded, and
    its row marked ``COMPLETED`` once a response was released, ``WITHHELD`` until then (with
    ``withheld_because`` on the record, when it says why). Ends with a signed tree head."""
    with store.begin() as conn:
        ledger.lock(conn)
        current = BatchStatus(
            conn.execute(sa.select(batches.c.status).where(batch_is(batches, key))).scalar_one()
        )
        entries: list[Entry] = []
        at = _clock()
        if current is BatchStatus.RUNNING:
            entries.append(
                batch_completed(
                    at=at,
                    agency=key.agency,
                    batch_id=key.batch_id,
                    records=records,
                    outcomes=outcomes,
                    codes=codes,
                    rule_set=rule_set,
                    counterfactual=counterfactual or {},
                )
            )
        first_release = len(entries)
        entries += [
            response_released(
                at=at,
                agency=key.agency,
                batch_id=key.batch_id,
                response_sha256=release.response_sha256,
                record_count=records,
                delivery=release.delivery,
            )
            for release in releases
        ]
        if not releases and withheld_because is not None and current is not BatchStatus.COMPLETED:
            entries.append(
                response_withheld(
                    at=at, agency=key.agency, batch_id=key.batch_id, reason=withheld_because
                )
            )
        indexes = ledger.append(entries, conn)
        if current is not BatchStatus.COMPLETED:
            done = BatchStatus.COMPLETED if releases else BatchStatus.WITHHELD
            conn.execute(
                batches.update()
                .where(batch_is(batches, key))
                .values(
                    status=done.value,
                    finished_at=now.isoformat(timespec="seconds"),
                    response_sha256=releases[0].response_sha256 if releases else None,
                    detail=None if releases else withheld_because,
                )
            )
        head = ledger.checkpoint(conn)
    return Finished(tuple(indexes[first_release : first_release + len(releases)]), head)
