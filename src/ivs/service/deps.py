"""Typed dependencies of the routes: the context, the caller, and the caller's role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ivs.domain.errors import PermissionDenied
from ivs.service.context import ServiceContext
from ivs.service.gate import SESSION_COOKIE, resolve_caller
from ivs.service.guard import AccessRecord, record_access
from ivs.service.users import Role, User

__all__ = [
    "SESSION_COOKIE",
    "Admin",
    "Auditor",
    "Caller",
    "Context",
    "Requester",
    "Reviewer",
    "StatusReader",
    "audit_access",
    "require",
]

_bearer = HTTPBearer(auto_error=False, description="A token from `ivs users add`.")


def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


Context = Annotated[ServiceContext, Depends(get_context)]


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_user(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The caller, from the bearer token (API) or the session cookie (web pages); resolved
    once per request (a change was already resolved before its body was read)."""
    return resolve_caller(request)


Caller = Annotated[User, Depends(current_user)]


def require(*roles: Role) -> Callable[[User], User]:
    names = ", ".join(r.value for r in roles)

    def check(user: Caller) -> User:
        if user.role not in roles:
            raise PermissionDenied(
                f"{user.name} is a {user.role.value}; this needs the role {names}"
            )
        return user

    return check


Requester = Annotated[User, Depends(require(Role.REQUESTER))]
Reviewer = Annotated[User, Depends(require(Role.REVIEWER))]
Auditor = Annotated[User, Depends(require(Role.AUDITOR))]
Admin = Annotated[User, Depends(require(Role.ADMIN))]
# A batch's status holds no taxpayer data: its agency's requesters, auditors and admins see it.
StatusReader = Annotated[User, Depends(require(Role.REQUESTER, Role.AUDITOR, Role.ADMIN))]


def audit_access(request: Request, ctx: ServiceContext, user: User, what: str) -> None:
    """Record an access to taxpayer data: who, what, when."""
    record_access(
        ctx.store,
        AccessRecord(
            at=ctx.now(),
            user_name=user.name,
            role=user.role.value,
            method=request.method,
            path=request.url.path,
            what=what,
            status=200,
            client=_client(request),
        ),
    )
