"""The reviewer's view of the queue: a case with only what the comparison needs, and decisions
recorded on the ledger with the case's new state (``ReviewAccounting``, as `ivs review decide`)."""

from __future__ import annotations

from ivs.batch.explain_step import explain_request
from ivs.match.model import load_model
from ivs.review import (
    Explanation,
    ReviewCase,
    ReviewDecision,
    decide_case,
    get_case,
    locate_index,
    locate_manifest,
    read_inputs,
)
from ivs.review.accounting import ReviewAccounting
from ivs.service.context import ServiceContext
from ivs.service.users import User

__all__ = ["case_view", "decide"]

# The reviewer sees the candidate the decision is about and the next two: enough to judge
# whether another person fits as well, no more.
CANDIDATES_SHOWN = 3


def case_view(ctx: ServiceContext, case_id: int) -> tuple[ReviewCase, Explanation]:
    case = get_case(ctx.store, case_id)
    inputs = read_inputs(case.decisions_path.parent, case.batch_id)
    explanation = explain_request(
        case.decisions_path,
        case.request_id,
        manifest=locate_manifest(inputs, None),
        index=locate_index(inputs, None),
        model=load_model(ctx.model_path),
        ambiguity_margin=ctx.settings.ambiguity_margin_bits,
        max_candidates=CANDIDATES_SHOWN,
    )
    return case, explanation


def decide(
    ctx: ServiceContext, user: User, case_id: int, *, approve: bool, reason: str
) -> ReviewDecision:
    return decide_case(
        ctx.store,
        case_id,
        approve=approve,
        reason=reason,
        decided_by=user.name,
        now=ctx.now(),
        ledger=ReviewAccounting(ctx.ledger),
    )
