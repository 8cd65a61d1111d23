"""Service users, their roles and bearer tokens.

A token is ``ivs_<token_id>_<secret>``: ``token_id`` (64 random bits, hex) finds the user's row,
``secret`` (256 random bits, URL-safe base64) is checked by comparing its SHA-256 with the stored
one in constant time. The token is shown once, when the user is added; only the hash is kept.
Adding and revoking users go on the ledger (``user_changed``), never the token. A token may
be given an expiry (``expires_at``); past it, it is refused as a revoked one is.

The web pages do not keep the token: signing in with it starts a *session*, a random secret of
its own (``ivss_<secret>``) in the cookie and its SHA-256 in ``service_sessions``, which ends at
its expiry, when signed out, or with its user's token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ivs.domain.errors import Conflict, InvalidUser, NotFound, Unauthenticated
from ivs.domain.ids import IDENTIFIER_PATTERN, is_identifier
from ivs.ledger.entries import user_changed
from ivs.ledger.log import Ledger
from ivs.store.service_tables import service_sessions, service_users

__all__ = [
    "AGENCY_PATTERN",
    "NAME_PATTERN",
    "InvalidUser",
    "Role",
    "User",
    "add_user",
    "authenticate",
    "end_session",
    "get_user",
    "list_users",
    "parse_expiry",
    "revoke_user",
    "session_user",
    "start_session",
]

_TOKEN = re.compile(r"^ivs_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_SESSION = re.compile(r"^ivss_([A-Za-z0-9_-]{43})$")
# User names and agency codes are identifiers (ivs.domain.ids): one pattern for every id. `$`,
# not `\Z`: the pattern is also the API's, whose regex engine has no `\Z` (and its `$` ends
# the text); in Python the names are checked by `is_identifier`, a full match.
NAME_PATTERN = AGENCY_PATTERN = rf"^{IDENTIFIER_PATTERN}$"


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
    expires_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and datetime.fromisoformat(self.expires_at) <= now


def _user(row: Any) -> User:
    return User(
        name=row.name,
        role=Role(row.role),
        agency=row.agency,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        expires_at=row.expires_at,
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


_DAYS = re.compile(r"^(\d{1,5})d$")


def parse_expiry(text: str, now: datetime) -> datetime:
    """A token's expiry as written by an administrator: ``90d`` (days from ``now``), a day
    ``2026-03-31`` (through its end, UTC) or an instant with a zone."""
    value = text.strip()
    if days := _DAYS.match(value):
        return now + timedelta(days=int(days.group(1)))
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        instant = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        instant = None
    if instant is None or instant.utcoffset() is None:
        raise InvalidUser(
            f"--expires {text!r} is not 90d (days), a day such as 2026-03-31, or an instant "
            "with a time zone such as 2026-03-31T17:00:00Z"
        )
    return instant


def add_user(
    engine: sa.Engine,
    name: str,
    role: str,
    *,
    agency: str | None,
    changed_by: str,
    now: datetime,
    ledger: Ledger,
    expires_at: datetime | None = None,
) -> tuple[User, str]:
    """Add a user; returns it with its bearer token, which is not kept and cannot be shown again.
    With ``expires_at`` the token is refused from that instant on."""
    parsed = _check_new(name, role, agency)
    if expires_at is not None and expires_at.utcoffset() is None:
        raise InvalidUser(f"the expiry {expires_at.isoformat()} needs a time zone (UTC: Z)")
    if expires_at is not None and expires_at <= now:
        raise InvalidUser(
            f"the expiry {expires_at.isoformat()} is not in the future; give a later instant"
        )
    until = None if expires_at is None else expires_at.isoformat(timespec="seconds")
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
                    expires_at=until,
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
    user = User(name, parsed, agency, stamp, changed_by, None, None, until)
    return user, f"ivs_{token_id}_{secret}"


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
        conn.execute(
            service_sessions.update()
            .where(service_sessions.c.user_name == name)
            .where(service_sessions.c.ended_at.is_(None))
            .values(ended_at=stamp)
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


def _usable(row: Any, now: datetime, what: str) -> User:
    """The user of a found row, unless revoked or expired (Unauthenticated with why)."""
    if row.revoked_at is not None:
        raise Unauthenticated(
            f"the {what} was revoked at {row.revoked_at}; ask an administrator for a new one"
        )
    user = _user(row)
    if user.expired(now):
        raise Unauthenticated(
            f"the {what} expired at {user.expires_at}; ask an administrator for a new one"
        )
    return user


def authenticate(engine: sa.Engine, token: str | None, *, now: datetime) -> User:
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
    return _usable(row, now, "bearer token")


def start_session(engine: sa.Engine, user: User, *, now: datetime, minutes: int) -> str:
    """A new web session for ``user``; returns the cookie's value (kept only as its hash).
    It lasts ``minutes``, and never past the user's own token expiry."""
    secret = secrets.token_urlsafe(32)
    ends = now + timedelta(minutes=minutes)
    if user.expires_at is not None:
        ends = min(ends, datetime.fromisoformat(user.expires_at))
    with engine.begin() as conn:
        conn.execute(
            service_sessions.insert().values(
                session_sha256=_digest(secret),
                user_name=user.name,
                created_at=now.isoformat(timespec="seconds"),
                expires_at=ends.isoformat(timespec="seconds"),
            )
        )
    return f"ivss_{secret}"


def session_user(engine: sa.Engine, cookie: str | None, *, now: datetime) -> User:
    """The user of a live session; Unauthenticated (sign in again) otherwise."""
    match = _SESSION.match(cookie or "")
    if match is None:
        raise Unauthenticated("not signed in, or the session is not one of ours: sign in again")
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(
                service_users,
                service_sessions.c.expires_at.label("session_expires_at"),
                service_sessions.c.ended_at,
            )
            .join(service_users, service_users.c.name == service_sessions.c.user_name)
            .where(service_sessions.c.session_sha256 == _digest(match.group(1)))
        ).first()
    if found is None or found.ended_at is not None:
        raise Unauthenticated("the session has ended (signed out); sign in again")
    if datetime.fromisoformat(found.session_expires_at) <= now:
        raise Unauthenticated(f"the session expired at {found.session_expires_at}; sign in again")
    return _usable(found, now, "token of this session")


def end_session(engine: sa.Engine, cookie: str | None, *, now: datetime) -> None:
    """Sign out: the session can no longer be used, whoever holds its cookie."""
    match = _SESSION.match(cookie or "")
    if match is None:
        return
    with engine.begin() as conn:
        conn.execute(
            service_sessions.update()
            .where(service_sessions.c.session_sha256 == _digest(match.group(1)))
            .where(service_sessions.c.ended_at.is_(None))
            .values(ended_at=now.isoformat(timespec="seconds"))
        )
