"""The one error shape, from one place: every error the service answers goes through
:func:`error_response`, its status taken from the error's class."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from ivs.domain.errors import (
    BatchRejected,
    FormatErrors,
    InternalError,
    InvalidRequest,
    IvsError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
)
from ivs.service.context import SESSION_COOKIE
from ivs.service.models import ErrorBody

__all__ = [
    "ERROR_RESPONSES",
    "InternalError",
    "InvalidRequest",
    "MethodNotAllowed",
    "error_body",
    "error_response",
    "install_error_handlers",
]

log = logging.getLogger("ivs.service")


_DESCRIPTIONS = {
    401: "No valid bearer token (missing, unknown or revoked).",
    403: "The caller's role may not do this.",
    404: "No such resource visible to the caller.",
    409: "The request contradicts recorded state (e.g. a response not yet released).",
    413: "The upload or request body is too large.",
    422: "The request or the batch is invalid; every problem is listed.",
    429: "Too many requests with this token; see Retry-After.",
    500: "Internal error.",
    503: "The store is unavailable.",
}
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": text} for status, text in _DESCRIPTIONS.items()
}


def error_body(error: IvsError) -> dict[str, object]:
    problems: list[str] = []
    if isinstance(error, BatchRejected):
        problems = list(error.problems)
    elif isinstance(error, FormatErrors):
        problems = [str(p) for p in error.problems]
    return {
        "error": {
            "type": type(error).__name__,
            "status": error.http_status,
            "message": error.message,
            "problems": problems,
        }
    }


def _absolute_forms(folder: Path) -> set[str]:
    return {str(f) for f in (Path(folder), Path(folder).resolve()) if f.is_absolute()}


def _server_paths(request: Request) -> list[tuple[re.Pattern[str], str]]:
    """Where the service keeps files, as patterns to take out of what a caller is told: an
    uploaded batch's folder goes (its file's own name stays), the others become names."""
    ctx = getattr(request.app.state, "context", None)
    if ctx is None:
        return []
    uploads = "|".join(re.escape(f) for f in _absolute_forms(ctx.work_dir / "batches"))
    patterns = [(re.compile(rf"(?:{uploads})/[0-9a-f]+/"), "")]
    named = [
        (form, name)
        for folder, name in ((ctx.settings.home, "$IVS_HOME"), (ctx.master, "$MASTER"))
        for form in _absolute_forms(folder)
    ]
    named.sort(key=lambda item: -len(item[0]))  # the longer first: a folder inside another
    patterns += [(re.compile(re.escape(form)), name) for form, name in named]
    return patterns


def _without_server_paths(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    patterns = _server_paths(request)
    if not patterns:
        return body

    def clean(text: str) -> str:
        for pattern, replacement in patterns:
            text = pattern.sub(replacement, text)
        return text

    inner = dict(body["error"])
    inner["message"] = clean(inner["message"])
    inner["problems"] = [clean(p) for p in inner["problems"]]
    return {"error": inner}


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith(("/v1/", "/static/")) or path == "/openapi.json")


def error_response(request: Request, error: IvsError) -> Response:
    """The response for any error: JSON for the API, a page for the browser."""
    headers: dict[str, str] = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="ivs"'
    if _wants_html(request):
        if isinstance(error, Unauthenticated) and request.method == "GET":
            # A session that ended: the browser forgets its cookie and signs in again.
            redirect = RedirectResponse("/signin", status_code=303)
            redirect.delete_cookie(SESSION_COOKIE, path="/")
            return redirect
        templates: Jinja2Templates = request.app.state.templates
        return templates.TemplateResponse(
            request,
            "error.html",
            {"error": _without_server_paths(request, error_body(error))["error"], "user": None},
            status_code=error.http_status,
            headers=headers,
        )
    body = _without_server_paths(request, error_body(error))
    return JSONResponse(body, status_code=error.http_status, headers=headers)


def _from_http(exc: StarletteHTTPException) -> IvsError:
    if exc.status_code == 404:
        return NotFound("no such page or endpoint; the API is described at /openapi.json")
    if exc.status_code == 405:
        return MethodNotAllowed("this path does not take that HTTP method; see /openapi.json")
    if exc.status_code == 413:
        return PayloadTooLarge(str(exc.detail))
    if exc.status_code == 401:
        return Unauthenticated(str(exc.detail))
    return InvalidRequest(f"the request could not be read: {exc.detail}")


def install_error_handlers(app: FastAPI) -> None:
    async def on_ivs_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IvsError)
        return error_response(request, exc)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(request, _from_http(exc))

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        ]
        error = InvalidRequest(
            "the request does not have the documented form: " + "; ".join(problems[:10])
        )
        return error_response(request, error)

    app.add_exception_handler(IvsError, on_ivs_error)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    # Any other exception is answered by the outermost middleware (app.LimitsAndHeaders).
