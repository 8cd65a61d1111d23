"""What the requester is sent: the response table, composed from the recorded decisions."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ivs.domain.codes import Outcome
from ivs.domain.schema import ADDRESS_FIELDS

__all__ = ["response_table"]


def response_table(decisions: pa.Table) -> pa.Table:
    """formats.md §3 from the recorded decisions: addresses only where DISCLOSED (the
    decisions carry ``disclosed_*`` values only there), the reason only where REJECTED."""
    rejected = pc.equal(decisions.column("outcome"), Outcome.REJECTED.value)
    columns = {
        "request_id": decisions.column("request_id"),
        "outcome": decisions.column("outcome"),
        "rejection_reason": pc.if_else(rejected, decisions.column("decision_code"), None),
        "advisories": decisions.column("advisories"),
    }
    for name in ADDRESS_FIELDS:
        columns[name] = decisions.column(f"disclosed_{name}")
    return pa.table(columns)
