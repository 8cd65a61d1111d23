"""Reviewers work the queue of borderline matches."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from ivs.review import Explanation, ReviewCase, get_case, list_cases
from ivs.service.deps import Context, Reviewer, audit_access
from ivs.service.errors import ERROR_RESPONSES
from ivs.service.models import (
    CASE_ID_PATH,
    CandidateOut,
    CaseDecisionIn,
    CaseDetail,
    CaseOut,
    ComparisonOut,
)
from ivs.service.review_views import case_view, decide

__all__ = ["case_detail", "case_out", "router"]

CaseId = Annotated[int, CASE_ID_PATH]

router = APIRouter(prefix="/v1/review", tags=["review"], responses=ERROR_RESPONSES)


def case_out(case: ReviewCase) -> CaseOut:
    return CaseOut(
        case_id=case.case_id,
        agency=case.agency,
        batch_id=case.batch_id,
        request_id=case.request_id,
        match_probability=case.match_probability,
        status=case.status,
        decided_by=case.decided_by,
        decided_at=case.decided_at,
        reason=case.reason,
    )


def case_detail(case: ReviewCase, explanation: Explanation) -> CaseDetail:
    return CaseDetail(
        case=case_out(case),
        decision_code=explanation.decision_code,
        why_review=explanation.decision_text,
        request=explanation.request,
        candidates=[
            CandidateOut(
                tin=c.tin,
                rank=c.rank,
                decided_on=c.decided_on,
                comparisons=[
                    ComparisonOut(
                        comparison=x.comparison,
                        request=x.request,
                        taxpayer=x.taxpayer,
                        level=x.level,
                        description=x.description,
                        weight=x.weight,
                    )
                    for x in c.comparisons
                ],
                match_weight=c.match_weight,
                match_probability=c.match_probability,
                restricted=c.restricted,
                found_by=list(c.found_by),
                index_agrees=c.index_agrees,
            )
            for c in explanation.candidates
        ],
        candidates_total=explanation.candidates_total,
    )


@router.get("", response_model=list[CaseOut])
def queue(
    ctx: Context,
    _caller: Reviewer,
    status: Literal["open", "approved", "refused"] | None = Query(
        default="open", description="Cases of this status (default: open)."
    ),
) -> list[CaseOut]:
    """The queue of borderline cases, in the order queued."""
    return [case_out(c) for c in list_cases(ctx.store, status=status)]


@router.get("/{case_id}", response_model=CaseDetail)
def case(case_id: CaseId, request: Request, ctx: Context, user: Reviewer) -> CaseDetail:
    """A case: the request beside its candidates, field by field, and why it is in review."""
    found, explanation = case_view(ctx, case_id)
    audit_access(request, ctx, user, f"review case {case_id}")
    return case_detail(found, explanation)


@router.post("/{case_id}", response_model=CaseOut)
def decide_case(case_id: CaseId, body: CaseDecisionIn, ctx: Context, user: Reviewer) -> CaseOut:
    """Approve or refuse a case, once, with a written reason; recorded on the ledger."""
    decide(ctx, user, case_id, approve=body.decision == "approve", reason=body.reason)
    return case_out(get_case(ctx.store, case_id))
