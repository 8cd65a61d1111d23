"""The pilot's history of changes in the store (append-only; the state in force is derived)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import sqlalchemy as sa

from ivs.domain.pilot import PilotChange
from ivs.store.schema import pilot_changes

__all__ = ["pilot_history", "record_pilot_change"]


def pilot_history(engine: sa.Engine) -> list[PilotChange]:
    """Every recorded change, in the order made."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(pilot_changes).order_by(pilot_changes.c.change_id)).all()
    return [PilotChange(r.action, r.state, r.zip3, date.fromisoformat(r.effective)) for r in rows]


def record_pilot_change(
    engine: sa.Engine,
    change: PilotChange,
    changed_by: str,
    on_record: Callable[[sa.Connection, datetime], None] | None = None,
) -> int:
    """Append one change; returns its id. ``on_record`` puts it on the ledger in the same
    transaction (the store sits below the ledger, so the caller supplies the entry)."""
    with engine.begin() as conn:
        if on_record is not None:
            on_record(conn, datetime.now(UTC))
        result = conn.execute(
            pilot_changes.insert().values(
                action=change.action,
                state=change.state,
                zip3=change.zip3,
                effective=change.effective.isoformat(),
                changed_at=datetime.now(UTC).isoformat(timespec="seconds"),
                changed_by=changed_by,
            )
        )
        key = result.inserted_primary_key
        return int(key[0]) if key else 0
