"""The reviewer's view of the queue: a case with only what the comparison needs, and decisions
recorded on the ledger with the case's new state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ivs.batch.run import AMBIGUITY_MARGIN_BITS
from ivs.ledger.entries import review_decision
from ivs.ledger.log import Ledger
from ivs.match.model import load_model
from ivs.review import (
    Explanation,
    ReviewCase,
    ReviewDecision,
    decide_case,
    explain_request,
    get_case,
    locate_index,
    locate_manifest,
    read_inputs,
)
from ivs.service.context import ServiceContext
from ivs.service.users import User

__all__ = ["LedgerOfReviews", "case_view", "decide"]

# The reviewer sees the candidate the decision is about and the next two: enough to judge
# whether another person fits as well, no more.
CANDIDATES_SHOWN = 3


@dataclass(frozen=True, slots=True)
class LedgerOfReviews:
    """Puts each review decision on the ledger, in the transaction that records it."""

    ledger: Ledger

    def append_review_decision(self, conn: sa.Connection, decision: ReviewDecision) -> None:
        self.ledger.append(
            [
                review_decision(
                    at=datetime.fromisoformat(decision.decided_at),
                    case_id=str(decision.case_id),
                    batch_id=decision.batch_id,
                    request_id=decision.request_id,
                    reviewer=decision.decided_by,
                    decision=decision.decision,
                    reason=decision.reason,
                )
            ],
            conn=conn,
        )


def case_view(ctx: ServiceContext, case_id: int) -> tuple[ReviewCase, Explanation]:
    case = get_case(ctx.store, case_id)
    inputs = read_inputs(case.decisions_path.parent, case.batch_id)
    explanation = explain_request(
        case.decisions_path,
        case.request_id,
        manifest=locate_manifest(inputs, None),
        index=locate_index(inputs, None),
        model=load_model(ctx.model_path),
        ambiguity_margin=AMBIGUITY_MARGIN_BITS,
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
        ledger=LedgerOfReviews(ctx.ledger),
    )
