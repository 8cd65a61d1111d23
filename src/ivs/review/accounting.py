"""The review queue's accounting on the ledger: each review decision, and each supplement's
disclosures and release, in the transaction that records them; holds checked at release."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from ivs.disclose.holds import held_mask, holds_in_force
from ivs.disclose.package import Sealed, issue_package, seal_response
from ivs.disclose.recipient_keys import batch_recipients
from ivs.domain.codes import Outcome
from ivs.domain.errors import Conflict
from ivs.domain.ids import BatchKey
from ivs.domain.schema import ADDRESS_FIELDS
from ivs.formats.manifest import Recipient
from ivs.ledger.entries import (
    Entry,
    disclosed_values_digest,
    disclosure,
    response_released,
    review_decision,
)
from ivs.ledger.log import Ledger
from ivs.review.queue import ReviewDecision
from ivs.review.release import Release
from ivs.store.disclosure_tables import batch_records
from ivs.store.ledger_tables import ledger_entries
from ivs.store.schema import batch_is

__all__ = ["ReviewAccounting"]


class ReviewAccounting:
    """Implements the review queue's ``ReviewLedger`` and ``ReleaseLedger`` on the ledger."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def append_review_decision(self, conn: sa.Connection, decision: ReviewDecision) -> None:
        self._ledger.append(
            [
                review_decision(
                    at=datetime.now(UTC),
                    case_id=str(decision.case_id),
                    agency=decision.agency,
                    batch_id=decision.batch_id,
                    request_id=decision.request_id,
                    reviewer=decision.decided_by,
                    decision=str(decision.decision),
                    reason=decision.reason,
                )
            ],
            conn,
        )

    def held_case_ids(self, conn: sa.Connection, key: BatchKey, cases: list[Any]) -> set[int]:
        self._ledger.lock(conn)
        in_force = holds_in_force(conn, datetime.now(UTC))
        if not in_force:
            return set()
        states = dict(
            conn.execute(
                sa.select(batch_records.c.request_id, batch_records.c.request_state).where(
                    batch_is(batch_records, key)
                )
            ).all()
        )
        held = held_mask(
            in_force,
            agency=key.agency,
            batch_id=key.batch_id,
            states=[pa.array([states.get(c.request_id) for c in cases], pa.string())],
            length=len(cases),
        ).to_pylist()
        return {int(c.case_id) for c, is_held in zip(cases, held, strict=True) if is_held}

    def _received(self, conn: sa.Connection, key: BatchKey) -> dict[str, Any]:
        for (data,) in conn.execute(
            sa.select(ledger_entries.c.entry).where(ledger_entries.c.kind == "batch_received")
        ):
            body: dict[str, Any] = json.loads(bytes(data))["body"]
            if body["batch_id"] == key.batch_id and body["requesting_agency"] == key.agency:
                return body
        raise LookupError(f"batch {key} has no batch_received entry")

    def seal_supplement(self, conn: sa.Connection, key: BatchKey, plaintext: bytes) -> Sealed:
        received = self._received(conn, key)
        agency = key.agency
        found = batch_recipients(
            conn,
            agency,
            [Recipient(**o) for o in received["recipients"]],
            datetime.now(UTC).date(),
        )
        if not found.keys:
            raise Conflict(f"batch {key}: nothing released. " + found.describe_missing(agency))
        return seal_response(plaintext, found.keys)

    def write_supplement_package(
        self, conn: sa.Connection, release: Release, sealed: Sealed, release_entry: int
    ) -> None:
        head = self._ledger.checkpoint(conn)
        issue_package(
            conn,
            self._ledger,
            sealed,
            release_entry=release_entry,
            tree_size=head.head.size,
            path=release.path,
            batch_id=release.batch_id,
            agency=release.agency,
            number=release.number,
            record_count=release.disclosed + release.not_disclosed,
            outcomes={
                Outcome.DISCLOSED.value: release.disclosed,
                Outcome.NOT_DISCLOSED.value: release.not_disclosed,
            },
            created_at=release.released_at,
        )

    def append_review_release(
        self,
        conn: sa.Connection,
        release: Release,
        supplement: pa.Table,
        tins: list[str | None],
        delivery: dict[str, Any],
    ) -> int:
        received = self._received(conn, BatchKey(release.agency, release.batch_id))
        at = datetime.now(UTC)
        entries: list[Entry] = []
        for row, tin in zip(supplement.to_pylist(), tins, strict=True):
            if row["outcome"] != Outcome.DISCLOSED.value or tin is None:
                continue
            entries.append(
                disclosure(
                    at=at,
                    batch_id=release.batch_id,
                    request_id=row["request_id"],
                    tin=tin,
                    recipient_agency=received["requesting_agency"],
                    recipients=[Recipient(**o) for o in received["recipients"]],
                    statute=received["statute"],
                    purpose=str(received.get("purpose", "")),
                    fields=list(ADDRESS_FIELDS),
                    values_digest=disclosed_values_digest({k: row[k] for k in ADDRESS_FIELDS}),
                )
            )
        entries.append(
            response_released(
                at=at,
                agency=release.agency,
                batch_id=release.batch_id,
                response_sha256=release.response_sha256,
                record_count=supplement.num_rows,
                delivery=delivery,
            )
        )
        return self._ledger.append(entries, conn)[-1]
