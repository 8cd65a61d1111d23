"""Auditors read the oversight reports (``ivs.report``): a batch, a period, a year, each one
self-contained HTML page computed from the ledger alone, as `ivs report` writes them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from ivs.domain.errors import ConfigError, NotFound
from ivs.domain.ids import is_identifier
from ivs.report import Report, annual_report, batch_report, period_report, render_html
from ivs.service.deps import Auditor, Context
from ivs.service.errors import ERROR_RESPONSES, InvalidRequest
from ivs.service.models import AGENCY_QUERY, BATCH_ID_PATH

__all__ = ["REPORT_POLICY", "router"]

router = APIRouter(prefix="/v1/reports", tags=["audit"], responses=ERROR_RESPONSES)

# A report page carries its own styles and inline SVG charts, and nothing else: no script, no
# request to anywhere.
REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"
_HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "The report, one HTML page."}
}


@contextmanager
def _as_request_errors() -> Iterator[None]:
    try:
        yield
    except ConfigError as e:  # the report functions' word for a wrong argument
        raise InvalidRequest(e.message) from e


def _page(report: Report) -> HTMLResponse:
    return HTMLResponse(render_html(report), headers={"content-security-policy": REPORT_POLICY})


@router.get("/batches/{batch_id}", response_class=Response, responses=_HTML)
def batch(
    batch_id: Annotated[str, BATCH_ID_PATH],
    ctx: Context,
    _caller: Auditor,
    agency: Annotated[str | None, AGENCY_QUERY] = None,
) -> HTMLResponse:
    """One batch from its ledger entries: outcomes by reason, scores, review, holds, recalls.
    ``agency`` says whose batch, where agencies used the same id."""
    if not is_identifier(batch_id) or not (agency is None or is_identifier(agency)):
        # No batch can have such an id: not looked for (as the other batch routes).
        raise NotFound(f"batch {batch_id!r} is not on the ledger")
    return _page(batch_report(ctx.ledger, batch_id, ctx.settings, agency=agency))


@router.get("/period", response_class=Response, responses=_HTML)
def period(
    ctx: Context,
    _caller: Auditor,
    first: Annotated[date, Query(alias="from", description="First day (UTC), included.")],
    last: Annotated[date, Query(alias="to", description="Last day (UTC), included.")],
) -> HTMLResponse:
    """Everything recorded from one day to another, week by week."""
    with _as_request_errors():
        return _page(period_report(ctx.ledger, first, last, ctx.settings))


@router.get("/annual", response_class=Response, responses=_HTML)
def annual(
    ctx: Context,
    _caller: Auditor,
    year: Annotated[int, Query(ge=1900, le=9999, description="Calendar year (UTC).")],
) -> HTMLResponse:
    """The annual table for the Joint Committee on Taxation, by agency and statute."""
    with _as_request_errors():
        report, _rows = annual_report(ctx.ledger, year)
    return _page(report)
