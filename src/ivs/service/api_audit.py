"""Auditors read the ledger: its signed head, inclusion and consistency proofs."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from ivs.domain.errors import NotFound
from ivs.service.deps import Auditor, Context
from ivs.service.errors import ERROR_RESPONSES
from ivs.service.models import LedgerHeadOut

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
