"""Court holds: while a hold is in force, no record in its scope is disclosed.

A hold's scope is ``all``, ``agency:CODE`` (the requesting agency), ``batch:ID`` or
``state:ST`` (a request or a last known address in that state): ``ivs.domain.holds``, whose
``HoldScope.covers`` the reports ask too. Holds are checked at the moment of disclosure,
inside the transaction that records it (batch/commit_step.py), so a hold placed while a
batch runs stops the records not yet committed.

Placing and lifting go on the ledger in the same transaction as the store row; the row's
``lifted_at`` is the only thing ever updated, and the ledger keeps both events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from ivs.domain.errors import ConfigError, Conflict, NotFound
from ivs.domain.holds import HoldScope, parse_scope
from ivs.domain.ids import check_identifier
from ivs.ledger.entries import hold_lifted, hold_placed, instant
from ivs.ledger.log import Ledger
from ivs.store.disclosure_tables import holds

__all__ = [
    "Hold",
    "HoldScope",
    "held_mask",
    "holds_in_force",
    "lift_hold",
    "list_holds",
    "parse_scope",
    "place_hold",
]


@dataclass(frozen=True, slots=True)
class Hold:
    hold_id: str
    scope: HoldScope
    order: str
    effective_at: str
    placed_at: str
    placed_by: str
    lifted_at: str | None
    lift_order: str | None
    lifted_by: str | None

    def in_force(self, at: str) -> bool:
        """In force at the instant ``at`` (same UTC millisecond format as the ledger)."""
        return self.effective_at <= at and (self.lifted_at is None or at < self.lifted_at)


def _hold(row: sa.Row[tuple[object, ...]]) -> Hold:
    m = row._mapping
    return Hold(
        hold_id=str(m["hold_id"]),
        scope=parse_scope(str(m["scope"])),
        order=str(m["order_text"]),
        effective_at=str(m["effective_at"]),
        placed_at=str(m["placed_at"]),
        placed_by=str(m["placed_by"]),
        lifted_at=None if m["lifted_at"] is None else str(m["lifted_at"]),
        lift_order=None if m["lift_order"] is None else str(m["lift_order"]),
        lifted_by=None if m["lifted_by"] is None else str(m["lifted_by"]),
    )


def list_holds(conn: sa.Connection) -> list[Hold]:
    """Every hold ever placed, oldest first."""
    return [_hold(r) for r in conn.execute(sa.select(holds).order_by(holds.c.placed_at)).all()]


def holds_in_force(conn: sa.Connection, at: datetime) -> list[Hold]:
    moment = instant(at)
    return [h for h in list_holds(conn) if h.in_force(moment)]


def held_mask(
    in_force: Sequence[Hold],
    *,
    agency: str,
    batch_id: str,
    states: Sequence[pa.Array | pa.ChunkedArray],
    length: int,
) -> pa.Array:
    """Per record, whether some hold in force covers it; ``states`` are state columns (the
    request's, the disclosed address's): a state hold covers a record if any of them is in it."""
    held = pa.array([False] * length)
    for hold in in_force:
        if hold.scope.covers_batch(agency=agency, batch_id=batch_id):
            return pa.array([True] * length)
        if hold.scope.kind == "state":
            for column in states:
                held = pc.or_(held, pc.fill_null(pc.equal(column, hold.scope.value), False))
    return held.combine_chunks() if isinstance(held, pa.ChunkedArray) else held


def _next_hold_id(conn: sa.Connection, year: int) -> str:
    prefix = f"H-{year}-"
    count = conn.execute(
        sa.select(sa.func.count()).select_from(holds).where(holds.c.hold_id.like(prefix + "%"))
    ).scalar_one()
    return f"{prefix}{int(count) + 1:04d}"


def place_hold(
    store: sa.Engine,
    ledger: Ledger,
    *,
    scope: str,
    order: str,
    placed_by: str,
    effective: datetime | None = None,
    now: datetime | None = None,
) -> Hold:
    """Place a hold (from ``effective``, default now) and record it."""
    if not order.strip():
        raise ConfigError(
            "a hold needs the order that imposes it (court, case number, date) in --order"
        )
    parsed = parse_scope(scope)
    if parsed.kind in ("agency", "batch") and parsed.value is not None:
        check_identifier(f"hold scope {parsed.kind}", parsed.value)
    placed = now or datetime.now(UTC)
    start = effective or placed
    with store.begin() as conn:
        ledger.lock(conn)
        hold_id = _next_hold_id(conn, placed.year)
        (entry,) = ledger.append(
            [
                hold_placed(
                    at=placed,
                    hold_id=hold_id,
                    scope=str(parsed),
                    authority=order.strip(),
                    placed_by=placed_by,
                    reason=f"in force from {instant(start)}",
                )
            ],
            conn,
        )
        conn.execute(
            holds.insert().values(
                hold_id=hold_id,
                scope=str(parsed),
                order_text=order.strip(),
                effective_at=instant(start),
                placed_at=instant(placed),
                placed_by=placed_by,
                placed_entry=entry,
            )
        )
        row = conn.execute(sa.select(holds).where(holds.c.hold_id == hold_id)).one()
    return _hold(row)


def lift_hold(
    store: sa.Engine,
    ledger: Ledger,
    hold_id: str,
    *,
    order: str,
    lifted_by: str,
    now: datetime | None = None,
) -> Hold:
    """Lift a hold in force, under the order that lifts it, and record it."""
    if not order.strip():
        raise ConfigError("lifting a hold needs the order that lifts it in --order")
    at = now or datetime.now(UTC)
    with store.begin() as conn:
        ledger.lock(conn)
        row = conn.execute(sa.select(holds).where(holds.c.hold_id == hold_id)).first()
        if row is None:
            raise NotFound(f"no hold {hold_id!r}; `ivs hold list` shows every hold")
        if row.lifted_at is not None:
            raise Conflict(f"hold {hold_id} was already lifted at {row.lifted_at}")
        ledger.append(
            [hold_lifted(at=at, hold_id=hold_id, lifted_by=lifted_by, reason=order.strip())],
            conn,
        )
        conn.execute(
            holds.update()
            .where(holds.c.hold_id == hold_id)
            .values(lifted_at=instant(at), lift_order=order.strip(), lifted_by=lifted_by)
        )
        row = conn.execute(sa.select(holds).where(holds.c.hold_id == hold_id)).one()
    return _hold(row)
