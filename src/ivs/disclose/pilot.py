"""Pilot staging: a change of the jurisdictions requests are answered for, recorded once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ivs.domain.pilot import PilotChange
from ivs.ledger.entries import pilot_changed
from ivs.ledger.log import Ledger
from ivs.store.pilot import record_pilot_change

__all__ = ["change_pilot"]


def change_pilot(ledger: Ledger, change: PilotChange, changed_by: str) -> int:
    """Store ``change`` and put it on the ledger, in one transaction; returns its id."""

    def on_record(conn: sa.Connection, at: datetime) -> None:
        entry = pilot_changed(
            at=at,
            action=change.action,
            state=change.state,
            zip3=change.zip3,
            effective=change.effective.isoformat(),
            changed_by=changed_by,
        )
        ledger.append([entry], conn)

    return record_pilot_change(ledger.store, change, changed_by, on_record)
