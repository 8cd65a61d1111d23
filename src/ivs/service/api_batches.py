"""Requesters submit signed batches and fetch their responses."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from ivs.domain.ids import BatchKey
from ivs.service.deps import Context, Requester, StatusReader, audit_access
from ivs.service.errors import ERROR_RESPONSES
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
    responses={
        200: {
            "content": {"application/zip": {}},
            "description": "The response package (ivs-response-package/1, docs/service.md): "
            "the response file of formats.md §3 encrypted to the recipients the manifest "
            "names, signed by the agency's ledger key, with the ledger's proof of its release.",
        }
    },
)
def batch_response(
    batch_id: BatchId, request: Request, ctx: Context, user: Requester, agency: AgencyOf = None
) -> Response:
    """The released response package; 409 until released. Each fetch is on the ledger, with
    the package's digest. Open it with `ivs package open` (or age, docs/service.md)."""
    data = fetch_response(ctx, user, batch_id, agency)
    audit_access(request, ctx, user, f"response package of batch {batch_id}")
    return Response(
        content=data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{_safe(batch_id)}.package.zip"'},
    )
