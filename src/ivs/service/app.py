"""The FastAPI application: routes, the one error handler, limits and security headers, and the
background worker's life.

``create_app(context)`` builds it; ``ivs serve`` runs it under Uvicorn.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ivs import __version__
from ivs.domain.errors import PayloadTooLarge
from ivs.service import (
    api_admin,
    api_audit,
    api_batches,
    api_disclosure,
    api_reports,
    api_review,
    web,
)
from ivs.service.context import ServiceContext
from ivs.service.errors import InternalError, error_body, error_response, install_error_handlers
from ivs.service.gate import AuthenticateFirst, FailureThrottle, ForwardedFor
from ivs.service.guard import RateLimiter
from ivs.service.jobs import BatchWorker

__all__ = ["ROUTERS", "SECURITY_HEADERS", "create_app"]

_PACKAGE = Path(str(files("ivs.service")))
log = logging.getLogger("ivs.service")

# Every route of the service, API and pages (the authorization test walks these).
ROUTERS = tuple(
    m.router
    for m in (api_batches, api_review, api_audit, api_reports, api_admin, api_disclosure, web)
)

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # same-origin, not no-referrer: the browser must send our own Origin with form posts.
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
}


class LimitsAndHeaders:
    """Refuses bodies over the limit (declared or streamed) and adds the security headers."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        too_large = f"the request body is larger than the service accepts ({limit:,} bytes)"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            # Refused before a byte is read, in the one error shape.
            refusal = JSONResponse(error_body(PayloadTooLarge(too_large)), status_code=413)
            await refusal(scope, receive, with_headers)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise StarletteHTTPException(413, too_large)
            return message

        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await with_headers(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception as e:
            # Answered here rather than by Starlette's last-resort handler, which re-raises for
            # the server to log a traceback: a message may quote request data. Class only.
            log.error("internal error on %s %r: %s", scope["method"], scope["path"], type(e))
            if not started:
                failure = InternalError("an internal error occurred; it has been logged")
                await error_response(Request(scope), failure)(scope, receive, with_headers)


def create_app(context: ServiceContext, *, run_worker: bool = True) -> FastAPI:
    """The service over ``context``; with ``run_worker`` the background runner starts with it."""
    worker = BatchWorker(context)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if run_worker:
            worker.start()
        yield
        if run_worker:
            worker.stop()

    app = FastAPI(
        title="ivs — interagency verification service",
        version=__version__,
        description=(
            "Requesters submit signed batches and fetch responses; reviewers decide borderline "
            "matches; auditors verify the ledger; administrators manage users, signers and the "
            'pilot. Every error has one JSON shape: `{"error": {type, status, message, '
            "problems}}`."
        ),
        lifespan=lifespan,
        # The interactive docs pages load scripts from a CDN; the schema alone is served.
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = context
    app.state.worker = worker
    app.state.rate_limiter = RateLimiter(context.limits.requests_per_minute, context.limits.burst)
    app.state.failure_throttle = FailureThrottle(
        context.settings.signin_failures_allowed, context.settings.signin_window_minutes * 60
    )
    app.state.templates = Jinja2Templates(directory=str(_PACKAGE / "templates"))
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(_PACKAGE / "static")), name="static")
    # Outermost last: limits and headers, then the client's address, then the caller.
    app.add_middleware(AuthenticateFirst)
    app.add_middleware(ForwardedFor, trusted=context.settings.trusted_proxies)
    app.add_middleware(LimitsAndHeaders, max_body_bytes=context.limits.max_body_bytes)
    return app
