"""Runs one batch through the stages in order: the one place that knows the order."""

from ivs.batch.explain_step import explain_request
from ivs.batch.index_step import IndexInfo, build_index, ensure_index
from ivs.batch.intake_step import IntakeOutcome, intake_batch
from ivs.batch.run import RunResult, run_batch
from ivs.batch.simulate import POLICIES, PolicyResult, simulate
from ivs.engines.memory import use_retaining_allocator

__all__ = [
    "POLICIES",
    "IndexInfo",
    "IntakeOutcome",
    "PolicyResult",
    "RunResult",
    "build_index",
    "ensure_index",
    "explain_request",
    "intake_batch",
    "run_batch",
    "simulate",
    "use_retaining_allocator",
]
