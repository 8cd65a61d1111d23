"""The recipient safeguards gate (IRC 6103(p)(4)): an agency whose safeguard review has open
findings without a dated corrective action plan gets no response files until cleared.

Decisions are still made and recorded for such an agency's batches; only the release of
the response file waits (the batch is ``withheld``), and running the batch again once the
agency is cleared releases it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from ivs.domain.errors import ConfigError
from ivs.domain.ids import check_identifier
from ivs.ledger.entries import agency_safeguards_changed, instant
from ivs.ledger.log import Ledger
from ivs.store.disclosure_tables import agency_safeguards

__all__ = ["SafeguardStatus", "agency_status", "all_agency_statuses", "set_agency_status"]


@dataclass(frozen=True, slots=True)
class SafeguardStatus:
    agency: str
    open_findings: int
    corrective_plan_dated: str | None
    note: str
    changed_at: str | None
    changed_by: str | None

    @property
    def cleared(self) -> bool:
        """May receive response files: no open findings, or a dated corrective action plan."""
        return self.open_findings == 0 or self.corrective_plan_dated is not None


def _status(row: sa.Row[tuple[object, ...]]) -> SafeguardStatus:
    m = row._mapping
    plan = m["corrective_plan_dated"]
    return SafeguardStatus(
        agency=str(m["agency"]),
        open_findings=int(str(m["open_findings"])),
        corrective_plan_dated=None if plan is None else str(plan),
        note=str(m["note"]),
        changed_at=str(m["changed_at"]),
        changed_by=str(m["changed_by"]),
    )


def agency_status(conn: sa.Connection, agency: str) -> SafeguardStatus:
    """The agency's recorded status; an agency never reviewed has no open findings."""
    row = conn.execute(
        sa.select(agency_safeguards).where(agency_safeguards.c.agency == agency)
    ).first()
    if row is None:
        return SafeguardStatus(agency, 0, None, "no safeguard review recorded", None, None)
    return _status(row)


def all_agency_statuses(conn: sa.Connection) -> list[SafeguardStatus]:
    rows = conn.execute(sa.select(agency_safeguards).order_by(agency_safeguards.c.agency))
    return [_status(r) for r in rows.all()]


def set_agency_status(
    store: sa.Engine,
    ledger: Ledger,
    agency: str,
    *,
    open_findings: int,
    corrective_plan_dated: date | None,
    note: str,
    changed_by: str,
    now: datetime | None = None,
) -> SafeguardStatus:
    """Record the outcome of a safeguard review (or of its follow-up) for ``agency``."""
    if open_findings < 0:
        raise ConfigError(f"open findings cannot be negative, got {open_findings}")
    agency = check_identifier("agency", agency.strip())
    at = now or datetime.now(UTC)
    plan = corrective_plan_dated.isoformat() if corrective_plan_dated else None
    values = {
        "open_findings": open_findings,
        "corrective_plan_dated": plan,
        "note": note,
        "changed_at": instant(at),
        "changed_by": changed_by,
    }
    with store.begin() as conn:
        ledger.lock(conn)
        exists = conn.execute(
            sa.select(agency_safeguards.c.agency).where(agency_safeguards.c.agency == agency)
        ).first()
        if exists is None:
            conn.execute(agency_safeguards.insert().values(agency=agency, **values))
        else:
            conn.execute(
                agency_safeguards.update()
                .where(agency_safeguards.c.agency == agency)
                .values(**values)
            )
        status = agency_status(conn, agency)
        ledger.append(
            [
                agency_safeguards_changed(
                    at=at,
                    agency=agency,
                    open_findings=open_findings,
                    corrective_plan_dated=plan,
                    cleared=status.cleared,
                    changed_by=changed_by,
                    note=note,
                )
            ],
            conn,
        )
    return status
