"""The web pages: sign-in, the reviewer's queue and case page, batch progress, the auditor's
ledger pages. Server-rendered (Jinja2), enhanced by htmx served from the package; every page
works with the keyboard alone and without scripts."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ivs.domain.errors import Unauthenticated
from ivs.ledger.accounting import accounting_for_tin
from ivs.review import list_cases
from ivs.service.api_audit import inclusion_document, ledger_head
from ivs.service.api_batches import batch_out
from ivs.service.api_review import case_detail, case_out
from ivs.service.deps import Auditor, Context, Reviewer, StatusReader, audit_access
from ivs.service.gate import SESSION_COOKIE, authentication_failed, check_origin, check_throttle
from ivs.service.jobs import job_status, list_jobs
from ivs.service.models import AGENCY_QUERY, BATCH_ID_PATH, CASE_ID_PATH, NoNul
from ivs.service.review_views import case_view, decide
from ivs.service.users import Role, authenticate, end_session, session_user, start_session

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

CaseId = Annotated[int, CASE_ID_PATH]
BatchId = Annotated[str, BATCH_ID_PATH]

_HOME = {
    Role.REQUESTER: "/batches",
    Role.REVIEWER: "/review",
    Role.AUDITOR: "/audit",
    Role.ADMIN: "/batches",
}


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    context.setdefault("user", getattr(request.state, "user", None))
    return templates.TemplateResponse(request, template, context, status_code=status_code)


@router.get("/")
def home(request: Request, ctx: Context) -> Response:
    try:
        user = session_user(ctx.store, request.cookies.get(SESSION_COOKIE), now=ctx.now())
    except Unauthenticated:  # not signed in, signed out or expired: sign in again
        return RedirectResponse("/signin", status_code=303)
    return RedirectResponse(_HOME[user.role], status_code=303)


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> Response:
    return _page(request, "signin.html", user=None, problem=None)


@router.post("/signin")
def signin(request: Request, ctx: Context, token: Annotated[str, Form()]) -> Response:
    """The token starts a session; the cookie holds the session's own secret, never the token."""
    check_origin(request, required=False)
    check_throttle(request)
    try:
        user = authenticate(ctx.store, token.strip(), now=ctx.now())
    except Unauthenticated as e:
        authentication_failed(request, e)
        raise
    session = start_session(ctx.store, user, now=ctx.now(), minutes=ctx.settings.session_minutes)
    response = RedirectResponse(_HOME[user.role], status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=ctx.settings.session_minutes * 60,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/signout")
def signout(request: Request, ctx: Context) -> Response:
    """Ends the session in the store: its cookie opens nothing afterwards, wherever it is kept."""
    check_origin(request, required=False)
    end_session(ctx.store, request.cookies.get(SESSION_COOKIE), now=ctx.now())
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/review", response_class=HTMLResponse)
def review_queue(
    request: Request,
    ctx: Context,
    _caller: Reviewer,
    status: Annotated[str, Query(pattern="^(open|approved|refused)$")] = "open",
) -> Response:
    cases = [case_out(c) for c in list_cases(ctx.store, status=status)]
    return _page(request, "queue.html", cases=cases, status=status)


@router.get("/review/{case_id}", response_class=HTMLResponse)
def review_case(request: Request, case_id: CaseId, ctx: Context, user: Reviewer) -> Response:
    found, explanation = case_view(ctx, case_id)
    audit_access(request, ctx, user, f"review case {case_id}")
    return _page(request, "case.html", detail=case_detail(found, explanation), problem=None)


@router.post("/review/{case_id}", response_class=HTMLResponse)
def review_decide(
    request: Request,
    *,
    case_id: CaseId,
    ctx: Context,
    user: Reviewer,
    decision: Annotated[str, Form(pattern="^(approve|refuse)$")],
    reason: Annotated[str, Form(max_length=2000), NoNul] = "",
) -> Response:
    decided = decide(ctx, user, case_id, approve=decision == "approve", reason=reason)
    if request.headers.get("hx-request"):
        return _page(request, "_decided.html", decided=decided)
    return RedirectResponse(f"/review/{case_id}", status_code=303)


@router.get("/batches", response_class=HTMLResponse)
def batches_page(request: Request, ctx: Context, user: StatusReader) -> Response:
    return _page(request, "batches.html", batches=[batch_out(s) for s in list_jobs(ctx, user)])


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(
    request: Request,
    batch_id: BatchId,
    ctx: Context,
    user: StatusReader,
    agency: Annotated[str | None, AGENCY_QUERY] = None,
) -> Response:
    status = job_status(ctx, user, batch_id, agency)
    return _page(request, "batch.html", batch=batch_out(status))


@router.get("/batches/{batch_id}/progress", response_class=HTMLResponse)
def batch_progress(
    request: Request,
    batch_id: BatchId,
    ctx: Context,
    user: StatusReader,
    agency: Annotated[str | None, AGENCY_QUERY] = None,
) -> Response:
    status = job_status(ctx, user, batch_id, agency)
    return _page(request, "_progress.html", batch=batch_out(status))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, ctx: Context, _caller: Auditor) -> Response:
    return _page(request, "audit.html", head=ledger_head(ctx), proof=None, index=None)


@router.get("/audit/proof", response_class=HTMLResponse)
def audit_proof(
    request: Request,
    ctx: Context,
    _caller: Auditor,
    index: Annotated[int, Query(ge=0, le=2**62)],
) -> Response:
    document = inclusion_document(ctx, index)
    return _page(
        request,
        "audit.html",
        head=ledger_head(ctx),
        proof=json.dumps(document, indent=2),
        index=index,
    )


@router.get("/audit/accounting", response_class=HTMLResponse)
def audit_accounting(
    request: Request,
    ctx: Context,
    user: Auditor,
    tin: Annotated[str, Query(pattern=r"^\d{9}$")],
) -> Response:
    with ctx.store.connect() as conn:
        lines = accounting_for_tin(conn, tin)
    audit_access(request, ctx, user, f"accounting of taxpayer {tin}")
    return _page(request, "accounting.html", tin=tin, lines=lines)
