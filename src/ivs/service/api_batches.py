"""Requesters submit signed batches and fetch their responses."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from ivs.domain.ids import BatchKey
from ivs.service.deps import Context, Requester, StatusReader, audit_access
from ivs.service.errors import ERROR_RESPONSES
from ivs.service.exports import response_from_bytes, spreadsheet_csv
from ivs.service.jobs import JobStatus, accept_batch, fetch_response, job_status, list_jobs
from ivs.service.models import AGENCY_QUERY, BATCH_ID_PATH, BatchAccepted, BatchOut

BatchId = Annotated[str, BATCH_ID_PATH]
AgencyOf = Annotated[str | None, AGENCY_QUERY]

__all__ = ["batch_out", "router"]

router = APIRouter(prefix="/v1/batches", tags=["batches"], responses=ERROR_RESPONSES)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def batch_out(status: JobStatus) -> BatchOut:
    url = f"/v1/batches/{status.batch_id}"
    return BatchOut(
        **status.to_json(),
        status_url=url,
        response_url=f"{url}/response" if status.released else None,
    )


@router.post("", status_code=202, response_model=BatchAccepted)
def submit_batch(
    request: Request,
    ctx: Context,
    user: Requester,
    manifest: Annotated[UploadFile, File(description="NAME.manifest.json, signed")],
    records: Annotated[UploadFile, File(description="The records file the manifest names")],
) -> BatchAccepted:
    """Submit a signed batch: checked by intake at once, then run in the background."""
    status = accept_batch(ctx, user, manifest.file, records.file)
    request.app.state.worker.submit(BatchKey(status.agency, status.batch_id))
    out = batch_out(status)
    return BatchAccepted(batch_id=status.batch_id, status_url=out.status_url, batch=out)


@router.get("", response_model=list[BatchOut])
def batches(ctx: Context, user: StatusReader) -> list[BatchOut]:
    """The latest batches visible to the caller (a requester: its agency's), newest first."""
    return [batch_out(s) for s in list_jobs(ctx, user)]


@router.get("/{batch_id}", response_model=BatchOut)
def batch_status(
    batch_id: BatchId, ctx: Context, user: StatusReader, agency: AgencyOf = None
) -> BatchOut:
    """Status, progress and counts by outcome."""
    return batch_out(job_status(ctx, user, batch_id, agency))


@router.get(
    "/{batch_id}/response",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "formats.md §3"}},
)
def batch_response(
    batch_id: BatchId,
    request: Request,
    ctx: Context,
    user: Requester,
    *,
    form: Annotated[
        Literal["contract", "spreadsheet"],
        Query(
            description="contract: the file exactly as recorded (formats.md §3); spreadsheet: "
            "the same rows with formula-like cells neutralised by a leading apostrophe."
        ),
    ] = "contract",
    agency: AgencyOf = None,
) -> Response:
    """The released response file (formats.md §3); 409 until released. Recorded on the ledger."""
    data = fetch_response(ctx, user, batch_id, agency)
    audit_access(request, ctx, user, f"response of batch {batch_id} ({form})")
    if form == "spreadsheet":
        data = spreadsheet_csv(response_from_bytes(data))
    return Response(
        content=data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_safe(batch_id)}.response.csv"'},
    )
