"""The review queue: records whose match fell between the review and disclosure thresholds.

A run enqueues its REVIEW records (``enqueue_reviews``, idempotent). A disclosure officer
approves or refuses each case once, with a reason; ``ivs.review.release`` then writes the
decided cases as a supplement response.

Every decision is handed to a ``ReviewLedger`` inside the transaction that records it, so the
ledger entry and the case's new state commit together or not at all (the ledger comes first:
no supplement can carry a decision the ledger does not hold).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa

from ivs.domain.codes import DecisionCode, Outcome
from ivs.domain.errors import Conflict, NotFound, ReasonRequired
from ivs.domain.ids import BatchKey, is_case_id
from ivs.store.review_tables import REVIEW_TABLES, review_cases
from ivs.store.schema import batch_is, metadata

__all__ = [
    "CaseStatus",
    "ReasonRequired",
    "ReviewCase",
    "ReviewDecision",
    "ReviewLedger",
    "decide_case",
    "enqueue_reviews",
    "ensure_review_tables",
    "get_case",
    "list_cases",
]


class CaseStatus:
    OPEN = "open"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class ReviewCase:
    case_id: int
    agency: str
    batch_id: str
    request_id: str
    row: int
    tin: str
    match_probability: float
    match_weight: float
    rule_set: str
    decisions_path: Path
    enqueued_at: str
    status: str
    decided_by: str | None
    decided_at: str | None
    reason: str | None
    release_number: int | None


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    """What the ledger records of a review decision (the outcome it turns the record into)."""

    case_id: int
    agency: str
    batch_id: str
    request_id: str
    tin: str
    decision: str  # approved | refused
    outcome: str  # DISCLOSED | NOT_DISCLOSED
    reason: str
    decided_by: str
    decided_at: str
    rule_set: str
    match_probability: float


class ReviewLedger(Protocol):
    """Appends a ledger entry for a review decision, on the connection that records it."""

    def append_review_decision(self, conn: sa.Connection, decision: ReviewDecision) -> None: ...


def ensure_review_tables(engine: sa.Engine) -> None:
    # open_store creates every table imported before it ran; a caller that opened the store
    # before importing this module still gets the review tables.
    metadata.create_all(engine, tables=list(REVIEW_TABLES))


def _case(row: Any) -> ReviewCase:
    return ReviewCase(
        case_id=int(row.case_id),
        agency=row.agency,
        batch_id=row.batch_id,
        request_id=row.request_id,
        row=int(row.row),
        tin=row.tin,
        match_probability=float(row.match_probability),
        match_weight=float(row.match_weight),
        rule_set=row.rule_set,
        decisions_path=Path(row.decisions_path),
        enqueued_at=row.enqueued_at,
        status=row.status,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
        release_number=row.release_number,
    )


def enqueue_reviews(
    engine: sa.Engine,
    key: BatchKey,
    decisions_path: Path,
    *,
    decisions: pa.Table | None = None,
    now: datetime | None = None,
) -> int:
    """Open a case for every REVIEW record of the batch not already queued; returns how many.

    The records are read from ``decisions_path`` unless ``decisions``, the table being written
    there, is given.
    """
    ensure_review_tables(engine)
    columns = [
        "request_id",
        "_row",
        "decision_code",
        "best_tin",
        "match_probability",
        "match_weight",
        "rule_set",
    ]
    if decisions is None:
        decisions = pq.read_table(decisions_path, columns=columns)
    review = decisions.select(columns).filter(
        pc.equal(decisions.column("decision_code"), DecisionCode.REVIEW)
    )
    stamp = (now or datetime.now().astimezone()).isoformat(timespec="seconds")
    added = 0
    with engine.begin() as conn:
        queued = {
            (r.request_id, r.row)
            for r in conn.execute(
                sa.select(review_cases.c.request_id, review_cases.c.row).where(
                    batch_is(review_cases, key)
                )
            )
        }
        for record in review.to_pylist():
            if (record["request_id"], record["_row"]) in queued:
                continue
            conn.execute(
                review_cases.insert().values(
                    agency=key.agency,
                    batch_id=key.batch_id,
                    request_id=record["request_id"],
                    row=record["_row"],
                    tin=record["best_tin"],
                    match_probability=record["match_probability"],
                    match_weight=record["match_weight"],
                    rule_set=record["rule_set"],
                    decisions_path=str(decisions_path.resolve()),
                    enqueued_at=stamp,
                    status=CaseStatus.OPEN,
                )
            )
            added += 1
    return added


def list_cases(
    engine: sa.Engine,
    *,
    batch_id: str | None = None,
    agency: str | None = None,
    status: str | None = None,
) -> Sequence[ReviewCase]:
    """Cases in the order queued, optionally of batches of one id, of one agency, and of one
    status."""
    ensure_review_tables(engine)
    query = sa.select(review_cases).order_by(review_cases.c.case_id)
    if batch_id is not None:
        query = query.where(review_cases.c.batch_id == batch_id)
    if agency is not None:
        query = query.where(review_cases.c.agency == agency)
    if status is not None:
        query = query.where(review_cases.c.status == status)
    with engine.connect() as conn:
        return [_case(r) for r in conn.execute(query)]


def get_case(engine: sa.Engine, case_id: int) -> ReviewCase:
    ensure_review_tables(engine)
    row = None
    # A number that cannot be a case id is not looked up: the store's integer would overflow.
    if is_case_id(case_id):
        with engine.connect() as conn:
            row = conn.execute(
                sa.select(review_cases).where(review_cases.c.case_id == case_id)
            ).first()
    if row is None:
        raise NotFound(f"no review case {case_id}; `ivs review list` shows the cases")
    return _case(row)


def _still_in_band(case: ReviewCase) -> None:
    """Approval needs the recorded decision to be REVIEW still, about the same taxpayer.

    REVIEW means every condition but the threshold held (rules 1-7 of ``ivs.decide.rules``);
    any other code, or another candidate, means the case no longer describes the record.
    """
    if not case.decisions_path.is_file():
        raise NotFound(
            f"the decisions file of case {case.case_id} ({case.decisions_path}) is gone; the "
            "case cannot be approved without its evidence"
        )
    table = pq.read_table(
        case.decisions_path,
        columns=["request_id", "_row", "decision_code", "best_tin"],
        filters=[("_row", "=", case.row)],
    )
    rows = table.to_pylist()
    if not rows or rows[0]["request_id"] != case.request_id:
        raise Conflict(f"case {case.case_id}: its record is no longer in {case.decisions_path}")
    current = rows[0]
    if current["decision_code"] != DecisionCode.REVIEW or current["best_tin"] != case.tin:
        raise Conflict(
            f"case {case.case_id} cannot be approved: the record's recorded decision is now "
            f"{current['decision_code']}, not REVIEW about the queued candidate, so some "
            "condition other than the threshold fails; refuse it instead"
        )


def decide_case(
    engine: sa.Engine,
    case_id: int,
    *,
    approve: bool,
    reason: str,
    decided_by: str,
    now: datetime,
    ledger: ReviewLedger | None = None,
) -> ReviewDecision:
    """Approve or refuse an open case, once; the reason is required and recorded."""
    reason = reason.strip()
    if not reason:
        raise ReasonRequired(
            f"case {case_id}: a review decision needs a reason; give one with --reason"
        )
    if not decided_by.strip():
        raise ReasonRequired(f"case {case_id}: the reviewer's name is empty; give it with --by")
    case = get_case(engine, case_id)
    if case.status != CaseStatus.OPEN:
        raise Conflict(
            f"case {case_id} was already {case.status} by {case.decided_by} at "
            f"{case.decided_at}; a case is decided once"
        )
    if approve:
        _still_in_band(case)
    decision = ReviewDecision(
        case_id=case_id,
        agency=case.agency,
        batch_id=case.batch_id,
        request_id=case.request_id,
        tin=case.tin,
        decision=CaseStatus.APPROVED if approve else CaseStatus.REFUSED,
        outcome=Outcome.DISCLOSED if approve else Outcome.NOT_DISCLOSED,
        reason=reason,
        decided_by=decided_by.strip(),
        decided_at=now.isoformat(timespec="seconds"),
        rule_set=case.rule_set,
        match_probability=case.match_probability,
    )
    with engine.begin() as conn:
        # The status test in the WHERE makes a concurrent second decision update nothing.
        updated = conn.execute(
            review_cases.update()
            .where(review_cases.c.case_id == case_id)
            .where(review_cases.c.status == CaseStatus.OPEN)
            .values(
                status=decision.decision,
                decided_by=decision.decided_by,
                decided_at=decision.decided_at,
                reason=decision.reason,
            )
        )
        if updated.rowcount != 1:
            raise Conflict(f"case {case_id} was decided by someone else meanwhile")
        if ledger is not None:
            ledger.append_review_decision(conn, decision)
    return decision
