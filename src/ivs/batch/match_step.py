"""Matching and deciding an accepted batch on one engine: the match steps, then the evidence
each record is decided on, then the candidate lists the decisions file keeps."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass

import pyarrow as pa

from ivs.batch.decisions_file import with_candidate_lists
from ivs.batch.index_step import IndexInfo
from ivs.batch.inputs import load_inputs
from ivs.batch.intake_step import IntakeOutcome
from ivs.decide.assemble import decisions_table
from ivs.decide.rules import RuleSet
from ivs.domain.engine import Engine
from ivs.engines.base import DUCKDB, EngineChoice
from ivs.match.evidence import (
    blocking_recall_sql,
    candidate_lists,
    candidates_sql,
    evidence_sql,
    named_by_tin_sql,
    pair_counts_sql,
)
from ivs.match.model import MatchModel
from ivs.match.pipeline import BLOCKING_RULES, match_steps

__all__ = ["MatchOutput", "match_batch"]

Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class MatchOutput:
    # Every column of the decisions file but ``candidate_list``: all that deciding and the
    # ledger commit read.
    decided: pa.Table
    # Per record of ``decided``, the candidates considered (read from the engine after the
    # decisions, on the executor ``match_batch`` was given).
    candidate_lists: Future[pa.Array]
    pair_counts: dict[str, int]
    blocking_recall: float | None
    step_seconds: dict[str, float]
    # (request_id, tin): pairs found by the request's TIN whose names match, what the TIN-only
    # counterfactual discloses for these requests.
    named_by_tin: pa.Table

    @property
    def decisions(self) -> pa.Table:
        """The whole decisions table (waits for the candidate lists)."""
        return with_candidate_lists(self.decided, self.candidate_lists.result())


def match_batch(
    intake: IntakeOutcome,
    index: IndexInfo,
    model: MatchModel,
    rules: RuleSet,
    *,
    step: Step,
    engine_choice: EngineChoice = DUCKDB,
    lists_on: Executor | None = None,
) -> MatchOutput:
    """Decisions for every record of an accepted batch, in the records' order.

    The candidate lists are read last, on ``lists_on`` if given (beside the ledger commit,
    which needs only the decisions), and the engine is closed once they are.
    """
    engine = engine_choice.open()
    try:
        decided, counts = _decide_on(engine, intake, index, model, rules, step=step)
    except BaseException:
        engine.close()
        raise

    def read_candidate_lists() -> pa.Array:
        try:
            return candidate_lists(decided, engine.arrow(candidates_sql()))
        finally:
            engine.close()

    if lists_on is None:
        lists: Future[pa.Array] = Future()
        lists.set_result(read_candidate_lists())
    else:
        lists = lists_on.submit(read_candidate_lists)
    return MatchOutput(decided, lists, *counts)


def _decide_on(
    engine: Engine,
    intake: IntakeOutcome,
    index: IndexInfo,
    model: MatchModel,
    rules: RuleSet,
    *,
    step: Step,
) -> tuple[pa.Table, tuple[dict[str, int], float | None, dict[str, float], pa.Table]]:
    """The decided table, and the pair counts, blocking recall, step times and TIN pairs of
    :class:`MatchOutput`."""
    step("loading index")
    load_inputs(engine, intake, index)
    step("generating and scoring candidates")
    # Only what the evidence, the counts and the candidate lists read below is kept to the end.
    engine.run(
        match_steps(model, on=intake.manifest.submitted_at.date(), dialect=engine.dialect),
        keep=("scored", "request_evidence"),
    )
    step_seconds = dict(engine.step_seconds)
    counts = engine.arrow(pair_counts_sql()).to_pylist()[0]
    pair_counts = {rule.name: int(counts[rule.name]) for rule in BLOCKING_RULES}
    pair_counts["distinct pairs"] = int(counts["n"])
    # Blocking recall on TIN-verified pairs: of requests whose TIN names a taxpayer whose
    # name and address match, the share the other rules find too.
    verified = engine.arrow(blocking_recall_sql()).to_pylist()[0]
    recall = verified["found"] / verified["n"] if verified["n"] else None
    named_by_tin = engine.arrow(named_by_tin_sql())
    step("deciding")
    # Every record, in the records' order, with its evidence (none for rejected records).
    engine.register(
        "base",
        pa.table(
            {
                "request_id": intake.records.column("request_id"),
                "_row": intake.records.column("_row"),
                "rejection_code": intake.verdicts.column("rejection_code"),
                "rejection_codes": intake.verdicts.column("rejection_codes"),
                "advisories": intake.verdicts.column("advisories"),
            }
        ),
    )
    evidence = engine.arrow("SELECT * FROM request_evidence LIMIT 0").column_names
    joined = engine.arrow(evidence_sql(evidence))
    return decisions_table(joined, rules), (pair_counts, recall, step_seconds, named_by_tin)
