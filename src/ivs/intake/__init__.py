"""Batch authority and the per-record statutory checks: pure functions over values and columns."""

from ivs.intake.authority import RecordsFileFacts, authority_problems, records_file_problems
from ivs.intake.record_checks import (
    PRECEDENCE,
    RecordChecks,
    RecordContext,
    check_records,
    record_verdicts,
)
from ivs.intake.statute import is_title_26, normalize_statute, statute_problem

__all__ = [
    "PRECEDENCE",
    "RecordChecks",
    "RecordContext",
    "RecordsFileFacts",
    "authority_problems",
    "check_records",
    "is_title_26",
    "normalize_statute",
    "record_verdicts",
    "records_file_problems",
    "statute_problem",
]
