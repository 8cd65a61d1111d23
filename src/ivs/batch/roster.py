"""The signer roster kept in the store: ``ivs signers import`` loads it, ``ivs run`` and the
service read it when no roster file is given.

Importing replaces the whole roster with the file's (a key missing from the file is no longer
trusted) and puts the change on the ledger, in the same transaction: which key ids were added
or changed, which removed, and the digest of the roster now in force.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ivs.domain.errors import NotFound
from ivs.formats.signers import Signer, signers_to_raw
from ivs.ledger.entries import signers_changed
from ivs.ledger.log import Ledger
from ivs.store.service_tables import signer_roster

__all__ = ["RosterChange", "import_roster", "roster_digest", "stored_roster"]


@dataclass(frozen=True, slots=True)
class RosterChange:
    added: tuple[str, ...]  # new key ids, and key ids whose entry changed
    removed: tuple[str, ...]
    unchanged: int
    digest: str
    ledger_index: int | None  # None when nothing changed (nothing recorded)


def roster_digest(signers: dict[str, Signer]) -> str:
    """SHA-256 of the roster's canonical JSON (key ids sorted), as the ledger records it."""
    raw = signers_to_raw([signers[k] for k in sorted(signers)])
    text = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _signer(row: Any) -> Signer:
    return Signer(
        key_id=row.key_id,
        agency=row.agency,
        name=row.name,
        title=row.title,
        role=row.role,
        public_key=base64.b64decode(row.public_key),
        valid_from=date.fromisoformat(row.valid_from),
        valid_until=date.fromisoformat(row.valid_until) if row.valid_until else None,
    )


def _read(conn: sa.Connection) -> dict[str, Signer]:
    rows = conn.execute(sa.select(signer_roster).order_by(signer_roster.c.key_id))
    return {row.key_id: _signer(row) for row in rows}


def stored_roster(engine: sa.Engine, *, required: bool = True) -> dict[str, Signer]:
    """The roster in force, by key id; NotFound when none was imported and ``required``."""
    with engine.connect() as conn:
        roster = _read(conn)
    if not roster and required:
        raise NotFound(
            "no signer roster is stored: no batch signature can be checked. Import one with "
            "`ivs signers import signers.json`, or give `--signers FILE`."
        )
    return roster


def import_roster(
    engine: sa.Engine,
    signers: dict[str, Signer],
    *,
    changed_by: str,
    now: datetime,
    ledger: Ledger,
) -> RosterChange:
    """Make ``signers`` the roster in force and record the change; nothing if it is the same."""
    stamp = now.isoformat(timespec="seconds")
    with engine.begin() as conn:
        before = _read(conn)
        added = tuple(sorted(k for k, s in signers.items() if before.get(k) != s))
        removed = tuple(sorted(set(before) - set(signers)))
        digest = roster_digest(signers)
        if not added and not removed:
            return RosterChange((), (), len(signers), digest, None)
        conn.execute(signer_roster.delete())
        if signers:
            conn.execute(
                signer_roster.insert(),
                [
                    {
                        "key_id": s.key_id,
                        "agency": s.agency,
                        "name": s.name,
                        "title": s.title,
                        "role": s.role,
                        "public_key": base64.b64encode(s.public_key).decode("ascii"),
                        "valid_from": s.valid_from.isoformat(),
                        "valid_until": s.valid_until.isoformat() if s.valid_until else None,
                        "imported_at": stamp,
                    }
                    for s in signers.values()
                ],
            )
        entry = signers_changed(
            at=now, roster_digest=digest, added=added, removed=removed, changed_by=changed_by
        )
        (index,) = ledger.append([entry], conn=conn)
    return RosterChange(added, removed, len(signers) - len(added), digest, index)
