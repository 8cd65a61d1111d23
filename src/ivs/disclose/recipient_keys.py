"""The recipients' public keys kept in the store: ``ivs recipients import``, ``list`` and
``revoke``, and the keys a batch's response is encrypted to.

A batch's manifest names its recipients (name, title, office); a response package is encrypted
to every key registered for one of them, by the batch's requesting agency, valid on the day
and not revoked. Importing adds keys (a key already registered is left as it is); revoking
stamps the key's row, which stays, so the record still says which key a past package went to.
Both are on the ledger, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ivs.domain.errors import NotFound
from ivs.formats.manifest import Recipient
from ivs.formats.recipients import RecipientKey, same_officer
from ivs.ledger.entries import JsonValue, recipient_keys_changed
from ivs.ledger.log import Ledger
from ivs.store.package_tables import recipient_keys

__all__ = [
    "BatchRecipients",
    "StoredKey",
    "batch_recipients",
    "import_recipient_keys",
    "revoke_recipient_key",
    "stored_recipient_keys",
]


@dataclass(frozen=True, slots=True)
class StoredKey:
    key: RecipientKey
    fingerprint: str
    imported_at: str
    revoked_at: str | None

    def usable_on(self, day: date) -> bool:
        return self.revoked_at is None and self.key.valid_on(day)


@dataclass(frozen=True, slots=True)
class BatchRecipients:
    """The keys a batch's response is encrypted to, and the named recipients without one."""

    keys: tuple[RecipientKey, ...]
    without_key: tuple[Recipient, ...]

    def describe_missing(self, agency: str) -> str:
        names = "; ".join(f"{r.name} ({r.office})" for r in self.without_key)
        return (
            f"no valid public key is registered for any recipient the manifest names "
            f"({names}) of agency {agency}: the response cannot be encrypted to them, and it "
            "is never sent in plaintext. It is held until their keys are imported with "
            "`ivs recipients import FILE`; then run the batch again to release it."
        )


def _stored(row: Any) -> StoredKey:
    key = RecipientKey(
        agency=row.agency,
        name=row.name,
        office=row.office,
        public_key=row.public_key,
        valid_from=date.fromisoformat(row.valid_from),
        valid_until=date.fromisoformat(row.valid_until) if row.valid_until else None,
    )
    return StoredKey(key, row.fingerprint, row.imported_at, row.revoked_at)


def stored_recipient_keys(
    conn: sa.Connection, agency: str | None = None, *, include_revoked: bool = True
) -> list[StoredKey]:
    query = sa.select(recipient_keys).order_by(
        recipient_keys.c.agency, recipient_keys.c.name, recipient_keys.c.imported_at
    )
    if agency is not None:
        query = query.where(recipient_keys.c.agency == agency)
    if not include_revoked:
        query = query.where(recipient_keys.c.revoked_at.is_(None))
    return [_stored(row) for row in conn.execute(query)]


def _described(key: RecipientKey) -> dict[str, JsonValue]:
    return {
        "fingerprint": key.fingerprint,
        "name": key.name,
        "office": key.office,
        "valid_from": key.valid_from.isoformat(),
        "valid_until": key.valid_until.isoformat() if key.valid_until else None,
    }


def import_recipient_keys(
    engine: sa.Engine,
    ledger: Ledger,
    keys: Sequence[RecipientKey],
    *,
    imported_by: str,
    now: datetime,
) -> list[RecipientKey]:
    """Register ``keys``; returns those new here (one ledger entry per agency)."""
    stamp = now.isoformat(timespec="seconds")
    added: list[RecipientKey] = []
    with engine.begin() as conn:
        ledger.lock(conn)
        known = {
            str(f) for f in conn.execute(sa.select(recipient_keys.c.fingerprint)).scalars().all()
        }
        for key in keys:
            if key.fingerprint in known:
                continue
            known.add(key.fingerprint)
            added.append(key)
            conn.execute(
                recipient_keys.insert().values(
                    fingerprint=key.fingerprint,
                    agency=key.agency,
                    name=key.name,
                    office=key.office,
                    public_key=key.public_key,
                    valid_from=key.valid_from.isoformat(),
                    valid_until=key.valid_until.isoformat() if key.valid_until else None,
                    imported_at=stamp,
                    imported_by=imported_by,
                )
            )
        for agency in sorted({k.agency for k in added}):
            ledger.append(
                [
                    recipient_keys_changed(
                        at=now,
                        action="import",
                        agency=agency,
                        keys=[_described(k) for k in added if k.agency == agency],
                        changed_by=imported_by,
                    )
                ],
                conn,
            )
    return added


def revoke_recipient_key(
    engine: sa.Engine,
    ledger: Ledger,
    fingerprint: str,
    *,
    revoked_by: str,
    reason: str,
    now: datetime,
) -> RecipientKey:
    """Revoke the key whose fingerprint is (or begins with, if unique) ``fingerprint``."""
    prefix = fingerprint.strip().lower()
    with engine.begin() as conn:
        ledger.lock(conn)
        rows = conn.execute(
            sa.select(recipient_keys)
            .where(recipient_keys.c.fingerprint.startswith(prefix, autoescape=True))
            .where(recipient_keys.c.revoked_at.is_(None))
        ).all()
        if len(prefix) < 8 or len(rows) != 1:
            raise NotFound(
                f"no single registered, unrevoked recipient key has a fingerprint beginning "
                f"{prefix!r} ({len(rows)} do); give at least 8 hex digits of one that "
                "`ivs recipients list` shows"
            )
        stored = _stored(rows[0])
        conn.execute(
            recipient_keys.update()
            .where(recipient_keys.c.fingerprint == stored.fingerprint)
            .values(revoked_at=now.isoformat(timespec="seconds"), revoked_by=revoked_by)
        )
        ledger.append(
            [
                recipient_keys_changed(
                    at=now,
                    action="revoke",
                    agency=stored.key.agency,
                    keys=[_described(stored.key)],
                    changed_by=revoked_by,
                    reason=reason,
                )
            ],
            conn,
        )
    return stored.key


def batch_recipients(
    conn: sa.Connection, agency: str, recipients: Sequence[Recipient], day: date
) -> BatchRecipients:
    """The usable keys of the named ``recipients`` of ``agency`` on ``day``."""
    usable = [k for k in stored_recipient_keys(conn, agency) if k.usable_on(day)]
    keys: list[RecipientKey] = []
    missing: list[Recipient] = []
    for recipient in recipients:
        mine = [
            k.key
            for k in usable
            if same_officer(k.key.name, k.key.office, recipient.name, recipient.office)
        ]
        if mine:
            keys += [k for k in mine if k not in keys]
        else:
            missing.append(recipient)
    return BatchRecipients(tuple(keys), tuple(missing))
