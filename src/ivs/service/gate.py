"""What every request passes before a route sees it: the client's address (believed from
``X-Forwarded-For`` only when the peer is a trusted proxy), the caller (authenticated before a
byte of the body is read), the throttle on failed authentications, and the origin of every
change made with the session cookie."""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import deque
from urllib.parse import urlsplit

import anyio
from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ivs.domain.errors import IvsError, PermissionDenied, RateLimited, Unauthenticated
from ivs.service.context import SESSION_COOKIE, ServiceContext
from ivs.service.errors import error_response
from ivs.service.guard import AccessRecord, RateLimiter, record_access
from ivs.service.users import User, authenticate, session_user

__all__ = [
    "SESSION_COOKIE",
    "AuthenticateFirst",
    "FailureThrottle",
    "ForwardedFor",
    "authentication_failed",
    "check_origin",
    "check_throttle",
    "resolve_caller",
]

_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sign-in takes its token in the form, and sign-out only ends the session its cookie names:
# neither needs a caller first.
_OPEN_CHANGES = frozenset({"/signin", "/signout"})
_CACHE = "ivs_caller"


class ForwardedFor:
    """Takes the client's address (and scheme) from ``X-Forwarded-For`` (and
    ``X-Forwarded-Proto``) only when the connection comes from a trusted proxy: the address
    is the right-most one not itself a trusted proxy. From anyone else the headers are ignored,
    so a client cannot choose the address its failures are counted under."""

    def __init__(self, app: ASGIApp, trusted: tuple[str, ...]) -> None:
        self.app = app
        self.networks = [ipaddress.ip_network(t, strict=False) for t in trusted]

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and self.networks and client and self._trusted(client[0]):
            headers = dict(scope.get("headers") or [])
            forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            while hops and self._trusted(hops[-1]):
                hops.pop()
            if hops:
                scope = {**scope, "client": (hops[-1][:100], 0)}
            proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1").strip()
            if proto in ("http", "https"):
                scope = {**scope, "scheme": proto}
        await self.app(scope, receive, send)


class FailureThrottle:
    """Failed authentications counted per client address over a window: beyond ``allowed``
    the client is answered 429 without its credentials being checked until the window has
    passed. Only the first ``allowed`` failures go on the access record, the last saying so,
    so a flood of bad tokens cannot flood the record."""

    def __init__(self, allowed: int, window_seconds: float, max_clients: int = 100_000) -> None:
        self.allowed = allowed
        self.window = window_seconds
        self.max_clients = max_clients
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.get(client)
        if times is None:
            if len(self._failures) >= self.max_clients:  # forget the longest-known client
                self._failures.pop(next(iter(self._failures)))
            times = self._failures[client] = deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def check(self, client: str) -> None:
        """RateLimited while ``client`` has used up its failures."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            if len(times) >= self.allowed:
                wait = max(1, math.ceil(times[0] + self.window - now))
                raise RateLimited(
                    f"too many failed sign-ins or bad tokens from this address; retry in {wait} s",
                    retry_after=wait,
                )

    def failed(self, client: str) -> int:
        """Count a failure; returns how many ``client`` has now made in the window."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            times.append(now)
            return len(times)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def authentication_failed(request: Request, error: IvsError) -> None:
    """Count a failed authentication against the client's address and, while within its
    allowance, put it on the access record (the last one saying the address is throttled)."""
    ctx: ServiceContext = request.app.state.context
    throttle: FailureThrottle = request.app.state.failure_throttle
    count = throttle.failed(_client(request))
    if count > throttle.allowed:
        return
    what = f"authentication failed: {error.message[:200]}"
    if count == throttle.allowed:
        what += f"; the address is throttled for {round(throttle.window / 60)} min"
    record_access(
        ctx.store,
        AccessRecord(
            at=ctx.now(),
            user_name=None,
            role=None,
            method=request.method,
            path=request.url.path,
            what=what,
            status=error.http_status,
            client=_client(request),
        ),
    )


def check_throttle(request: Request) -> None:
    """RateLimited while the client's address has used up its failed authentications."""
    throttle: FailureThrottle = request.app.state.failure_throttle
    throttle.check(_client(request))


def _credentials(request: Request) -> tuple[str | None, bool]:
    """The bearer token or, failing one, the session cookie; and whether it is the cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    if header:
        return header, False  # present but not a bearer token: refused as malformed
    cookie = request.cookies.get(SESSION_COOKIE)
    return cookie, cookie is not None


def resolve_caller(request: Request) -> User:
    """The caller of ``request``, once per request (kept on its state): from the bearer token
    or the session cookie; Unauthenticated or RateLimited otherwise."""
    cached = getattr(request.state, _CACHE, None)
    if isinstance(cached, User):
        return cached
    if isinstance(cached, IvsError):
        raise cached
    ctx: ServiceContext = request.app.state.context
    credential, from_cookie = _credentials(request)
    request.state.from_cookie = from_cookie
    try:
        if credential is None:
            user = authenticate(ctx.store, None, now=ctx.now())
        else:
            check_throttle(request)
            try:
                if from_cookie:
                    user = session_user(ctx.store, credential, now=ctx.now())
                else:
                    user = authenticate(ctx.store, credential, now=ctx.now())
            except Unauthenticated as e:
                authentication_failed(request, e)
                raise
        limiter: RateLimiter = request.app.state.rate_limiter
        limiter.check(user.name)
    except IvsError as e:
        setattr(request.state, _CACHE, e)
        raise
    setattr(request.state, _CACHE, user)
    request.state.user = user
    return user


def check_origin(request: Request, *, required: bool) -> None:
    """A change must come from one of our own pages: its ``Origin`` (or ``Referer``) must be
    this service. With ``required`` a request naming neither is refused too."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        if required:
            raise PermissionDenied(
                "a change made with the session cookie must say where it comes from (Origin); "
                "it is refused. Use the service's own pages, or a bearer token."
            )
        return
    if source == "null" or urlsplit(source).netloc != request.headers.get("host", ""):
        raise PermissionDenied("the change was posted from another site; it is refused")


class AuthenticateFirst:
    """Authenticates every change (POST, PUT, PATCH, DELETE) from its headers alone, before a
    byte of its body is read: an upload of a gigabyte with a bad token is refused at once.
    A change made with the session cookie must also come from our own origin."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _CHANGES
            or scope["path"] in _OPEN_CHANGES
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            await anyio.to_thread.run_sync(resolve_caller, request)
            if request.state.from_cookie:
                check_origin(request, required=True)
        except IvsError as e:
            await error_response(request, e)(scope, receive, send)
            return
        await self.app(scope, receive, send)
