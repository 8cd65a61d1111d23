"""The review queue and the explanation of decisions, for disclosure officers and oversight."""

from ivs.review.decision_text import decision_text
from ivs.review.explain import (
    CandidateView,
    ComparisonView,
    Explanation,
    decision_row,
    explanation,
    mask_tin,
    request_record,
    shown_candidates,
    signed_manifest,
)
from ivs.review.inputs import (
    BatchInputs,
    claim_answer_folder,
    decisions_path,
    locate_index,
    locate_manifest,
    read_inputs,
    record_inputs,
)
from ivs.review.queue import (
    CaseStatus,
    ReasonRequired,
    ReviewCase,
    ReviewDecision,
    ReviewLedger,
    decide_case,
    enqueue_reviews,
    get_case,
    list_cases,
)
from ivs.review.release import Release, ReleaseLedger, release_batch, supplement_path
from ivs.review.render import render_explanation

__all__ = [
    "BatchInputs",
    "CandidateView",
    "CaseStatus",
    "ComparisonView",
    "Explanation",
    "ReasonRequired",
    "Release",
    "ReleaseLedger",
    "ReviewCase",
    "ReviewDecision",
    "ReviewLedger",
    "claim_answer_folder",
    "decide_case",
    "decision_row",
    "decision_text",
    "decisions_path",
    "enqueue_reviews",
    "explanation",
    "get_case",
    "list_cases",
    "locate_index",
    "locate_manifest",
    "mask_tin",
    "read_inputs",
    "record_inputs",
    "release_batch",
    "render_explanation",
    "request_record",
    "shown_candidates",
    "signed_manifest",
    "supplement_path",
]
