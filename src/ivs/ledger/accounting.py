"""Accounting queries of 6103(p)(3): every request and disclosure about a taxpayer, and the
year's totals for the annual report to the Joint Committee on Taxation.

The committed records (``batch_records``) say where in the ledger each decision and
disclosure lies; the disclosure's details are read from the ledger entry itself, so what is
printed is what is on the record (and can be proven with ``ivs ledger prove``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from ivs.domain.codes import Outcome
from ivs.store.disclosure_tables import batch_records
from ivs.store.ledger_tables import ledger_entries
from ivs.store.schema import batches

__all__ = ["AccountingLine", "AnnualLine", "accounting_for_tin", "annual_totals"]


@dataclass(frozen=True, slots=True)
class AccountingLine:
    decided_at: str
    batch_id: str
    request_id: str
    requesting_agency: str
    statute: str | None
    outcome: str
    code: str
    decision_entry: int
    disclosure_entry: int | None
    purpose: str | None
    recipients: list[str]


# A record's batch: its agency and its id (each agency's batch ids are its own).
_same_batch = sa.and_(
    batches.c.requesting_agency == batch_records.c.agency,
    batches.c.batch_id == batch_records.c.batch_id,
)


def accounting_for_tin(conn: sa.Connection, tin: str) -> list[AccountingLine]:
    """Every request decided about taxpayer ``tin`` (as best candidate), oldest first."""
    rows = conn.execute(
        sa.select(
            batch_records.c.decided_at,
            batch_records.c.batch_id,
            batch_records.c.request_id,
            batches.c.requesting_agency,
            batches.c.statute,
            batch_records.c.outcome,
            batch_records.c.code,
            batch_records.c.decision_entry,
            batch_records.c.disclosure_entry,
            ledger_entries.c.entry,
        )
        .join(batches, _same_batch)
        .outerjoin(ledger_entries, ledger_entries.c.entry_index == batch_records.c.disclosure_entry)
        .where(batch_records.c.tin == tin)
        .order_by(batch_records.c.decision_entry)
    ).all()
    lines = []
    for r in rows:
        body = json.loads(bytes(r[9]))["body"] if r[9] is not None else None
        lines.append(
            AccountingLine(
                decided_at=str(r[0]),
                batch_id=str(r[1]),
                request_id=str(r[2]),
                requesting_agency=str(r[3]),
                statute=None if r[4] is None else str(r[4]),
                outcome=str(r[5]),
                code=str(r[6]),
                decision_entry=int(r[7]),
                disclosure_entry=None if r[8] is None else int(r[8]),
                purpose=None if body is None else str(body["purpose"]),
                recipients=[]
                if body is None
                else [f"{o['name']}, {o['title']}, {o['office']}" for o in body["recipients"]],
            )
        )
    return lines


@dataclass(frozen=True, slots=True)
class AnnualLine:
    requesting_agency: str
    statute: str
    requests: int
    disclosed: int
    not_disclosed: int
    rejected: int


def annual_totals(conn: sa.Connection, year: int) -> list[AnnualLine]:
    """Requests and disclosures in calendar year ``year`` (UTC, by time of decision), by
    requesting agency and statute."""
    start, end = f"{year:04d}-01-01", f"{year + 1:04d}-01-01"
    outcome = batch_records.c.outcome
    rows = conn.execute(
        sa.select(
            batches.c.requesting_agency,
            sa.func.coalesce(batches.c.statute, ""),
            sa.func.count(),
            sa.func.sum(sa.case((outcome == Outcome.DISCLOSED.value, 1), else_=0)),
            sa.func.sum(sa.case((outcome == Outcome.NOT_DISCLOSED.value, 1), else_=0)),
            sa.func.sum(sa.case((outcome == Outcome.REJECTED.value, 1), else_=0)),
        )
        .join(batches, _same_batch)
        .where(batch_records.c.decided_at >= start, batch_records.c.decided_at < end)
        .group_by(batches.c.requesting_agency, batches.c.statute)
        .order_by(batches.c.requesting_agency, batches.c.statute)
    ).all()
    return [
        AnnualLine(str(r[0]), str(r[1]), int(r[2]), int(r[3] or 0), int(r[4] or 0), int(r[5] or 0))
        for r in rows
    ]
