"""Auditors read the ledger: its signed head, inclusion and consistency proofs."""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

import pyarrow as pa
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from ivs.domain.errors import NotFound
from ivs.ledger.accounting import AccountingLine, accounting_for_tin, annual_totals
from ivs.service.deps import Auditor, Context, audit_access
from ivs.service.errors import ERROR_RESPONSES
from ivs.service.exports import spreadsheet_csv
from ivs.service.models import AccountingLineOut, AnnualLineOut, LedgerHeadOut

__all__ = ["ledger_head", "router"]

router = APIRouter(prefix="/v1", tags=["audit"], responses=ERROR_RESPONSES)

_MAX_INDEX = 2**62


def ledger_head(ctx: Context) -> LedgerHeadOut:
    tree = ctx.ledger.head()
    try:
        signed = ctx.ledger.signed_head()
    except NotFound:
        signed = None
    return LedgerHeadOut(
        size=tree.size,
        root=tree.root.hex(),
        public_key=ctx.ledger.public_key.hex(),
        signed_tree_head=base64.b64encode(signed.to_bytes()).decode("ascii") if signed else None,
        signed_size=signed.head.size if signed else None,
        signed_timestamp_ms=signed.head.timestamp_ms if signed else None,
    )


@router.get("/ledger/head", response_model=LedgerHeadOut)
def head(ctx: Context, _caller: Auditor) -> LedgerHeadOut:
    """The ledger's size and root now, and its latest signed head."""
    return ledger_head(ctx)


@router.post("/ledger/head", response_model=LedgerHeadOut)
def sign_head(ctx: Context, _caller: Auditor) -> LedgerHeadOut:
    """Sign the current head (if it is not signed yet) and return it."""
    ctx.ledger.checkpoint()
    return ledger_head(ctx)


def inclusion_document(ctx: Context, index: int) -> dict[str, Any]:
    size = ctx.ledger.head().size
    if not 0 <= index < size:
        raise NotFound(f"no ledger entry {index}: the ledger holds {size} entries")
    # Proven against a signed head that covers the entry, signing one now if none does.
    try:
        signed = ctx.ledger.signed_head()
    except NotFound:
        signed = None
    if signed is None or signed.head.size <= index:
        signed = ctx.ledger.checkpoint()
    return ctx.ledger.inclusion_proof(index, signed.head.size).to_document()


@router.get("/ledger/entries/{index}/proof", response_model=dict[str, Any])
def inclusion(
    index: Annotated[int, Path(ge=0, le=_MAX_INDEX, description="Entry index.")],
    ctx: Context,
    _caller: Auditor,
) -> dict[str, Any]:
    """An inclusion proof of one entry (ivs-inclusion-proof/1), checkable offline."""
    return inclusion_document(ctx, index)


@router.get("/ledger/consistency", response_model=dict[str, Any])
def consistency(
    ctx: Context,
    _caller: Auditor,
    from_size: Annotated[
        int, Query(alias="from", ge=1, le=_MAX_INDEX, description="The earlier tree size.")
    ],
) -> dict[str, Any]:
    """Proof that the ledger only appended since it had FROM entries (ivs-consistency-proof/1)."""
    signed = ctx.ledger.checkpoint()
    return ctx.ledger.consistency_proof(from_size, signed.head.size).to_document()


def _line(x: AccountingLine) -> AccountingLineOut:
    return AccountingLineOut(
        decided_at=x.decided_at,
        batch_id=x.batch_id,
        request_id=x.request_id,
        requesting_agency=x.requesting_agency,
        statute=x.statute,
        outcome=x.outcome,
        code=x.code,
        decision_entry=x.decision_entry,
        disclosure_entry=x.disclosure_entry,
        purpose=x.purpose,
        recipients=list(x.recipients),
    )


@router.get(
    "/accounting",
    response_model=list[AccountingLineOut],
    responses={200: {"content": {"text/csv": {}}}},
)
def accounting(
    request: Request,
    ctx: Context,
    user: Auditor,
    tin: Annotated[str, Query(pattern=r"^\d{9}$", description="The taxpayer's TIN, 9 digits.")],
    form: Annotated[
        Literal["json", "csv"], Query(description="json, or csv made safe for spreadsheets.")
    ] = "json",
) -> Any:
    """The accounting of 6103(p)(3) for one taxpayer: every request decided about them, each
    disclosure with its ledger entry (provable), statute, purpose and recipients."""
    with ctx.store.connect() as conn:
        lines = [_line(x) for x in accounting_for_tin(conn, tin)]
    audit_access(request, ctx, user, f"accounting of taxpayer {tin}")
    if form == "csv":
        names = list(AccountingLineOut.model_fields)
        rows = [
            {
                k: None if v is None else "; ".join(v) if isinstance(v, list) else str(v)
                for k, v in line.model_dump().items()
            }
            for line in lines
        ]
        table = pa.Table.from_pylist(rows, schema=pa.schema([(n, pa.string()) for n in names]))
        return Response(
            content=spreadsheet_csv(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="accounting.csv"'},
        )
    return lines


@router.get("/accounting/annual", response_model=list[AnnualLineOut])
def annual(
    ctx: Context,
    _caller: Auditor,
    year: Annotated[int, Query(ge=1900, le=9999, description="Calendar year (UTC).")],
) -> list[AnnualLineOut]:
    """Requests and disclosures decided in a year, by requesting agency and statute."""
    with ctx.store.connect() as conn:
        return [
            AnnualLineOut(
                requesting_agency=x.requesting_agency,
                statute=x.statute,
                requests=x.requests,
                disclosed=x.disclosed,
                not_disclosed=x.not_disclosed,
                rejected=x.rejected,
            )
            for x in annual_totals(conn, year)
        ]
