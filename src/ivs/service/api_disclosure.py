"""Administrators place and lift court holds, record agencies' safeguard reviews, and run a
batch again (a withheld batch is released by running it again once its agency is cleared)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Path, Request

from ivs.disclose.holds import Hold, lift_hold, list_holds, place_hold
from ivs.disclose.safeguards import (
    SafeguardStatus,
    agency_status,
    all_agency_statuses,
    set_agency_status,
)
from ivs.domain.errors import ConfigError
from ivs.domain.ids import BatchKey
from ivs.service.api_batches import batch_out
from ivs.service.deps import Admin, Context
from ivs.service.errors import ERROR_RESPONSES, InvalidRequest
from ivs.service.jobs import rerun_job
from ivs.service.models import (
    AGENCY_QUERY,
    BATCH_ID_PATH,
    BatchOut,
    HoldIn,
    HoldLiftIn,
    HoldOut,
    SafeguardIn,
    SafeguardOut,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=ERROR_RESPONSES)

HoldId = Annotated[str, Path(pattern=r"^H-\d{4}-\d{4,}$", description="Hold id, H-YYYY-NNNN.")]
Agency = Annotated[str, Path(pattern=r"^[A-Z0-9][A-Z0-9-]{0,99}$", description="Agency code.")]
BatchId = Annotated[str, BATCH_ID_PATH]


@contextmanager
def _as_request_errors() -> Iterator[None]:
    # The disclosure functions call a wrong argument a ConfigError, as the CLI's options are
    # configuration; here it is the request that is wrong.
    try:
        yield
    except ConfigError as e:
        raise InvalidRequest(e.message) from e


def _hold(h: Hold) -> HoldOut:
    return HoldOut(
        hold_id=h.hold_id,
        scope=str(h.scope),
        order=h.order,
        effective_at=h.effective_at,
        placed_at=h.placed_at,
        placed_by=h.placed_by,
        lifted_at=h.lifted_at,
        lift_order=h.lift_order,
        lifted_by=h.lifted_by,
    )


def _safeguard(s: SafeguardStatus) -> SafeguardOut:
    return SafeguardOut(
        agency=s.agency,
        open_findings=s.open_findings,
        corrective_plan_dated=s.corrective_plan_dated,
        cleared=s.cleared,
        note=s.note,
        changed_at=s.changed_at,
        changed_by=s.changed_by,
    )


@router.get("/holds", response_model=list[HoldOut])
def holds(ctx: Context, _caller: Admin) -> list[HoldOut]:
    """Every court hold ever placed, oldest first, lifted or in force."""
    with ctx.store.connect() as conn:
        return [_hold(h) for h in list_holds(conn)]


@router.post("/holds", status_code=201, response_model=HoldOut)
def add_hold(body: HoldIn, ctx: Context, user: Admin) -> HoldOut:
    """Place a hold: nothing in its scope is disclosed while it is in force (on the ledger)."""
    with _as_request_errors():
        return _hold(
            place_hold(
                ctx.store,
                ctx.ledger,
                scope=body.scope,
                order=body.order,
                placed_by=user.name,
                effective=body.effective,
                now=ctx.now(),
            )
        )


@router.post("/holds/{hold_id}/lift", response_model=HoldOut)
def lift(hold_id: HoldId, body: HoldLiftIn, ctx: Context, user: Admin) -> HoldOut:
    """Lift a hold under the order that lifts it (on the ledger)."""
    with _as_request_errors():
        return _hold(
            lift_hold(
                ctx.store, ctx.ledger, hold_id, order=body.order, lifted_by=user.name, now=ctx.now()
            )
        )


@router.get("/safeguards", response_model=list[SafeguardOut])
def safeguards(ctx: Context, _caller: Admin) -> list[SafeguardOut]:
    """Every agency with a recorded safeguard review (an agency never reviewed is cleared)."""
    with ctx.store.connect() as conn:
        return [_safeguard(s) for s in all_agency_statuses(conn)]


@router.get("/safeguards/{agency}", response_model=SafeguardOut)
def safeguard(agency: Agency, ctx: Context, _caller: Admin) -> SafeguardOut:
    """One agency's safeguard status: whether it may receive response files."""
    with ctx.store.connect() as conn:
        return _safeguard(agency_status(conn, agency))


@router.put("/safeguards/{agency}", response_model=SafeguardOut)
def record_safeguards(agency: Agency, body: SafeguardIn, ctx: Context, user: Admin) -> SafeguardOut:
    """Record a safeguard review of an agency (on the ledger)."""
    with _as_request_errors():
        return _safeguard(
            set_agency_status(
                ctx.store,
                ctx.ledger,
                agency,
                open_findings=body.open_findings,
                corrective_plan_dated=body.corrective_plan_dated,
                note=body.note,
                changed_by=user.name,
                now=ctx.now(),
            )
        )


@router.post("/batches/{batch_id}/run", status_code=202, response_model=BatchOut)
def run_again(
    batch_id: BatchId,
    request: Request,
    ctx: Context,
    user: Admin,
    agency: Annotated[str | None, AGENCY_QUERY] = None,
) -> BatchOut:
    """Run a batch again: a withheld batch is released once its agency is cleared, a failed
    one retried. The run resumes from what is recorded; nothing is decided twice."""
    status = rerun_job(ctx, user, batch_id, agency)
    request.app.state.worker.submit(BatchKey(status.agency, status.batch_id))
    return batch_out(status)
