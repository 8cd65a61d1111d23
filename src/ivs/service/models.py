"""The JSON bodies of the API, as pydantic models: they are the OpenAPI document's schemas."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

__all__ = [
    "AGENCY_QUERY",
    "BATCH_ID_PATH",
    "CASE_ID_PATH",
    "AccountingLineOut",
    "AnnualLineOut",
    "BatchAccepted",
    "BatchOut",
    "CandidateOut",
    "CaseDecisionIn",
    "CaseDetail",
    "CaseOut",
    "ComparisonOut",
    "ErrorBody",
    "ErrorOut",
    "HoldIn",
    "HoldLiftIn",
    "HoldOut",
    "LedgerHeadOut",
    "NoNul",
    "PilotChangeIn",
    "PilotOut",
    "RosterOut",
    "SafeguardIn",
    "SafeguardOut",
    "SignerOut",
    "UserCreated",
    "UserIn",
    "UserOut",
    "without_nul",
]


def without_nul(text: str) -> str:
    """Free text is stored as given; PostgreSQL cannot hold NUL, so it is refused here."""
    if "\x00" in text:
        raise ValueError("must not contain the NUL character")
    return text


NoNul = AfterValidator(without_nul)
# A batch id as the routes take it: at most the stored 200 characters, no control characters.
# (An id outside these limits cannot name any batch: it is answered 422, never a 500.)
BATCH_ID_PATH = Path(
    min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$", description="Batch id."
)
# The agency whose batch a batch id names, where the id alone is ambiguous (each agency's ids
# are its own). A requester's is its own, from its token; only a requester's own agency finds.
AGENCY_QUERY = Query(
    max_length=100,
    pattern=r"^[^\x00-\x1f\x7f]+$",
    description="The batch's requesting agency; needed by an auditor or an administrator "
    "when agencies used the same batch id.",
)
CASE_ID_PATH = Path(ge=1, le=2**31 - 1, description="Case number.")


class ErrorOut(BaseModel):
    type: str = Field(description="The error's class, e.g. NotFound, BatchRejected.")
    status: int = Field(description="The HTTP status, as on the error class.")
    message: str = Field(description="What happened, why, and what to do.")
    problems: list[str] = Field(
        default_factory=list, description="Every problem found, when there are several."
    )


class ErrorBody(BaseModel):
    """The one shape of every error the service answers."""

    error: ErrorOut


class BatchOut(BaseModel):
    batch_id: str
    agency: str
    status: str = Field(description="queued, running, completed, failed, or the store's status")
    step: str | None
    steps_done: int
    record_count: int
    submitted_at: str
    started_at: str | None
    finished_at: str | None
    outcomes: dict[str, int] = Field(description="Records by outcome, once completed.")
    released: bool = Field(description="Whether the response may be fetched.")
    error: dict[str, str] | None
    resumed: int = Field(
        default=0, description="Times the run was taken up again after the service stopped."
    )
    status_url: str
    response_url: str | None


class BatchAccepted(BaseModel):
    batch_id: str
    status_url: str
    batch: BatchOut


class CaseOut(BaseModel):
    case_id: int
    agency: str = Field(description="The batch's requesting agency: with batch_id, the batch.")
    batch_id: str
    request_id: str
    match_probability: float
    status: str
    decided_by: str | None
    decided_at: str | None
    reason: str | None


class ComparisonOut(BaseModel):
    comparison: str
    request: str
    taxpayer: str
    level: str
    description: str
    weight: float


class CandidateOut(BaseModel):
    tin: str = Field(description="Masked to its last four digits.")
    rank: int
    decided_on: bool
    comparisons: list[ComparisonOut]
    match_weight: float
    match_probability: float
    restricted: bool
    found_by: list[str]
    index_agrees: bool


class CaseDetail(BaseModel):
    case: CaseOut
    decision_code: str
    why_review: str = Field(description="The rule that sent the record to review.")
    request: dict[str, str]
    candidates: list[CandidateOut]
    candidates_total: int


class CaseDecisionIn(BaseModel):
    decision: Literal["approve", "refuse"]
    reason: Annotated[
        str, Field(min_length=1, max_length=2000, description="Why, for the record."), NoNul
    ]


class LedgerHeadOut(BaseModel):
    size: int
    root: str
    public_key: str
    signed_tree_head: str | None = Field(description="Base64 of the latest signed head.")
    signed_size: int | None
    signed_timestamp_ms: int | None


class UserIn(BaseModel):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
    role: Literal["requester", "reviewer", "auditor", "admin"]
    agency: str | None = Field(
        default=None, pattern=r"^[A-Z0-9][A-Z0-9-]{0,99}$", description="Required for a requester."
    )
    expires_at: AwareDatetime | None = Field(
        default=None, description="When the token stops working (with a time zone); never if null."
    )


class UserOut(BaseModel):
    name: str
    role: str
    agency: str | None
    created_at: str
    created_by: str
    revoked_at: str | None
    revoked_by: str | None
    expires_at: str | None = None


class UserCreated(BaseModel):
    user: UserOut
    token: str = Field(description="The bearer token; shown this once, never stored.")


class SignerOut(BaseModel):
    key_id: str
    agency: str
    name: str
    title: str
    role: str
    valid_from: str
    valid_until: str | None


class RosterOut(BaseModel):
    signers: list[SignerOut]
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    ledger_index: int | None = None


class PilotChangeIn(BaseModel):
    action: Literal["enable", "disable"]
    state: str = Field(pattern=r"^[A-Z]{2}$")
    zip3: str | None = Field(default=None, pattern=r"^\d{3}$")
    effective: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class PilotOut(BaseModel):
    configured: bool
    in_force: list[dict[str, Any]]
    changes: list[dict[str, Any]]


class HoldIn(BaseModel):
    scope: str = Field(
        pattern=r"^(all|agency:[A-Z0-9][A-Z0-9-]{0,99}|batch:[A-Za-z0-9._-]{1,200}|state:[A-Z]{2})$",
        description="all, agency:CODE, batch:ID or state:ST",
    )
    order: Annotated[
        str,
        Field(
            pattern=r"\S", max_length=2000, description="The order imposing it (court, case, date)."
        ),
        NoNul,
    ]
    effective: AwareDatetime | None = Field(
        default=None, description="In force from this instant (default: now)."
    )


class HoldLiftIn(BaseModel):
    order: Annotated[
        str, Field(pattern=r"\S", max_length=2000, description="The order lifting it."), NoNul
    ]


class HoldOut(BaseModel):
    hold_id: str
    scope: str
    order: str
    effective_at: str
    placed_at: str
    placed_by: str
    lifted_at: str | None
    lift_order: str | None
    lifted_by: str | None


class SafeguardIn(BaseModel):
    open_findings: int = Field(ge=0, le=1_000_000)
    corrective_plan_dated: date | None = Field(
        default=None, description="Date of the corrective action plan, if any."
    )
    note: Annotated[str, Field(max_length=2000), NoNul] = ""


class SafeguardOut(BaseModel):
    agency: str
    open_findings: int
    corrective_plan_dated: str | None
    cleared: bool = Field(description="Whether the agency may receive response files.")
    note: str
    changed_at: str | None
    changed_by: str | None


class AccountingLineOut(BaseModel):
    decided_at: str
    batch_id: str
    request_id: str
    requesting_agency: str
    statute: str | None
    outcome: str
    code: str
    decision_entry: int
    disclosure_entry: int | None
    purpose: str | None
    recipients: list[str]


class AnnualLineOut(BaseModel):
    requesting_agency: str
    statute: str
    requests: int
    disclosed: int
    not_disclosed: int
    rejected: int
