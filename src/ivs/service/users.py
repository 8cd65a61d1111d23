"""Service users, their roles and bearer tokens.

A token is ``ivs_<token_id>_<secret>``: ``token_id`` (64 random bits, hex) finds the user's row,
``secret`` (256 random bits, URL-safe base64) is checked by comparing its SHA-256 with the stored
one in constant time. The token is shown once, when the user is added; only the hash is kept.
Adding and revoking users go on the ledger (``user_changed``), never the token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ivs.domain.errors import Conflict, InvalidUser, NotFound, Unauthenticated
from ivs.domain.ids import IDENTIFIER_PATTERN, is_identifier
from ivs.ledger.entries import user_changed
from ivs.ledger.log import Ledger
from ivs.store.service_tables import service_users

__all__ = [
    "AGENCY_PATTERN",
    "NAME_PATTERN",
    "InvalidUser",
    "Role",
    "User",
    "add_user",
    "authenticate",
    "get_user",
    "list_users",
    "revoke_user",
]

_TOKEN = re.compile(r"^ivs_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
# User names and agency codes are identifiers (ivs.domain.ids): one pattern for every id.
NAME_PATTERN = AGENCY_PATTERN = rf"^{IDENTIFIER_PATTERN}\Z"


class Role(StrEnum):
    """What a user may do: submit and fetch, review, audit, or administer."""

    REQUESTER = "requester"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    agency: str | None
    created_at: str
    created_by: str
    revoked_at: str | None
    revoked_by: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _user(row: Any) -> User:
    return User(
        name=row.name,
        role=Role(row.role),
        agency=row.agency,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _check_new(name: str, role: str, agency: str | None) -> Role:
    if not is_identifier(name):
        raise InvalidUser(
            f"user name {name!r} is not allowed: use 1-100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    try:
        parsed = Role(role)
    except ValueError:
        raise InvalidUser(
            f"role {role!r} is not one of {', '.join(r.value for r in Role)}"
        ) from None
    if parsed is Role.REQUESTER and not agency:
        raise InvalidUser(
            f"requester {name!r} needs --agency: a requester submits and fetches batches of "
            "one agency only"
        )
    if agency is not None and not is_identifier(agency):
        raise InvalidUser(
            f"agency {agency!r} is not an agency code such as DHS-ICE (1-100 letters, digits, "
            "'.', '_' or '-', starting with a letter or digit)"
        )
    return parsed


def add_user(
    engine: sa.Engine,
    name: str,
    role: str,
    *,
    agency: str | None,
    changed_by: str,
    now: datetime,
    ledger: Ledger,
) -> tuple[User, str]:
    """Add a user; returns it with its bearer token, which is not kept and cannot be shown again."""
    parsed = _check_new(name, role, agency)
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)  # 32 bytes: 256 bits
    stamp = now.isoformat(timespec="seconds")
    try:
        with engine.begin() as conn:
            conn.execute(
                service_users.insert().values(
                    name=name,
                    role=parsed.value,
                    agency=agency,
                    token_id=token_id,
                    token_sha256=_digest(secret),
                    created_at=stamp,
                    created_by=changed_by,
                )
            )
            ledger.append(
                [
                    user_changed(
                        at=now,
                        user=name,
                        action="added",
                        role=parsed.value,
                        agency=agency,
                        changed_by=changed_by,
                    )
                ],
                conn=conn,
            )
    except IntegrityError as e:
        raise Conflict(
            f"a user named {name!r} already exists (names are never reused, even revoked "
            "ones, so that the record stays unambiguous); choose another name"
        ) from e
    return User(name, parsed, agency, stamp, changed_by, None, None), f"ivs_{token_id}_{secret}"


def get_user(engine: sa.Engine, name: str) -> User:
    with engine.connect() as conn:
        row = conn.execute(sa.select(service_users).where(service_users.c.name == name)).first()
    if row is None:
        raise NotFound(f"no user named {name!r}; `ivs users list` shows them")
    return _user(row)


def list_users(engine: sa.Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(service_users).order_by(service_users.c.name))
        return [_user(r) for r in rows]


def revoke_user(
    engine: sa.Engine, name: str, *, changed_by: str, now: datetime, ledger: Ledger
) -> User:
    """Revoke a user's token for good; Conflict if it already was."""
    with engine.begin() as conn:
        row = conn.execute(sa.select(service_users).where(service_users.c.name == name)).first()
        if row is None:
            raise NotFound(f"no user named {name!r}; `ivs users list` shows them")
        if row.revoked_at is not None:
            raise Conflict(f"user {name!r} was already revoked at {row.revoked_at}")
        stamp = now.isoformat(timespec="seconds")
        conn.execute(
            service_users.update()
            .where(service_users.c.name == name)
            .values(revoked_at=stamp, revoked_by=changed_by)
        )
        ledger.append(
            [
                user_changed(
                    at=now,
                    user=name,
                    action="revoked",
                    role=row.role,
                    agency=row.agency,
                    changed_by=changed_by,
                )
            ],
            conn=conn,
        )
    return get_user(engine, name)


def authenticate(engine: sa.Engine, token: str | None) -> User:
    """The active user a token belongs to; Unauthenticated (with why) otherwise."""
    if not token:
        raise Unauthenticated(
            "no bearer token: send `Authorization: Bearer <token>` (tokens come from "
            "`ivs users add`)"
        )
    match = _TOKEN.match(token)
    if match is None:
        raise Unauthenticated("the bearer token is malformed; tokens look like ivs_<id>_<secret>")
    token_id, secret = match.groups()
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(service_users).where(service_users.c.token_id == token_id)
        ).first()
    # Compare even when no row was found, so an unknown id costs the same as a wrong secret.
    stored = row.token_sha256 if row is not None else "0" * 64
    if not hmac.compare_digest(stored, _digest(secret)) or row is None:
        raise Unauthenticated("the bearer token is not valid; ask an administrator for a new one")
    if row.revoked_at is not None:
        raise Unauthenticated(
            f"the bearer token was revoked at {row.revoked_at}; ask an administrator for a new one"
        )
    return _user(row)
