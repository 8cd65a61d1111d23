"""Disclosure policies other than the law's, run on the same batch for comparison.

``tin-only`` is the 2025 process (disclose the last known address whenever the request's
name and TIN match a taxpayer, whatever the address says); ``name-only`` discloses whenever
exactly one candidate's name matches. Used by ``ivs simulate`` and by ``ivs run`` to put the
counterfactual on the record with each batch (:func:`tin_only_disclosures`,
:func:`counterfactual_totals`).
"""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from ivs.batch.index_step import IndexInfo
from ivs.batch.inputs import load_inputs
from ivs.batch.intake_step import IntakeOutcome
from ivs.domain.codes import Outcome
from ivs.domain.engine import SqlStep
from ivs.engines.base import DUCKDB, EngineChoice
from ivs.match.comparisons import NAME, NAME_MATCH_LEVELS
from ivs.match.pipeline import blocking_steps, comparison_steps
from ivs.match.tin_keys import tin_text_sql

__all__ = [
    "counterfactual_totals",
    "policy_disclosures",
    "tin_only_disclosures",
    "without_intake",
]


def _name_ok_sql() -> str:
    levels = ", ".join(str(NAME.labels().index(label)) for label in sorted(NAME_MATCH_LEVELS))
    return f"name_level IN ({levels})"


def without_intake(intake: IntakeOutcome) -> IntakeOutcome:
    """The same batch with every record treated as accepted (the 2025 process had no intake)."""
    verdicts = intake.verdicts.set_column(
        intake.verdicts.column_names.index("rejection_code"),
        "rejection_code",
        pa.nulls(intake.verdicts.num_rows, pa.string()),
    )
    # Impossible TINs were still "matched" in 2025 if they named a taxpayer: keep the raw TIN.
    raw_tin = pc.replace_substring_regex(intake.records.column("tin"), r"[\s-]", "")
    verdicts = verdicts.set_column(verdicts.column_names.index("tin_norm"), "tin_norm", raw_tin)
    return replace(intake, verdicts=verdicts, counts={}, quarantine_reason=None)


def policy_disclosures(
    intake: IntakeOutcome,
    index: IndexInfo,
    policy: str,
    *,
    threads: int | None = None,
    engine_choice: EngineChoice = DUCKDB,
) -> pa.Table:
    """(request_id, tin) of what ``policy`` would disclose: ``tin-only`` or ``name-only``.
    ``threads`` bounds DuckDB's threads (a cluster decides Spark's)."""
    with engine_choice.open(threads=threads) as engine:
        dialect = engine.dialect
        on = intake.manifest.submitted_at.date()
        if policy == "tin-only":
            pairs = SqlStep(
                "pairs", "SELECT r.request_key, t.tin FROM req r JOIN tp t ON r.tin_norm = t.tin"
            )
            steps = [pairs, *comparison_steps(on=on, dialect=dialect)]
            disclosed = f"SELECT request_key, tin FROM compared WHERE {_name_ok_sql()}"
            load_inputs(
                engine, intake, index, narrowed_for=" ".join([*(s.sql for s in steps), disclosed])
            )
        else:
            steps = [*blocking_steps(dialect), *comparison_steps(on=on, dialect=dialect)]
            disclosed = f"""SELECT request_key, any_value(tin) AS tin FROM compared
                            WHERE {_name_ok_sql()} GROUP BY request_key HAVING count(*) = 1"""
            load_inputs(engine, intake, index)
        engine.run(steps)
        return engine.arrow(
            f"SELECT r.request_id, {tin_text_sql('d.tin')} AS tin "
            f"FROM ({disclosed}) d JOIN req r USING (request_key)"
        )


def tin_only_disclosures(
    intake: IntakeOutcome,
    index: IndexInfo,
    engine_choice: EngineChoice,
    named_by_tin: pa.Table | None,
) -> pa.Table:
    """What the TIN-only rule discloses on the batch: (request_id, tin) per record.

    Where this run matched a record by the very TIN the request gave (an accepted record whose
    normalized TIN is its raw TIN), the run's own name levels answer (``named_by_tin``): they
    are computed by the same steps on the same columns. The other records with a TIN (rejected
    ones, and TINs that normalization changed) are matched again by raw TIN, on one engine
    thread: this runs beside the ledger commit, which keeps the other core busy.
    """
    everything = without_intake(intake)
    raw_tin = everything.verdicts.column("tin_norm")
    if named_by_tin is None:
        return policy_disclosures(
            everything, index, "tin-only", threads=1, engine_choice=engine_choice
        )
    accepted = pc.is_null(intake.verdicts.column("rejection_code"))
    answered = pc.and_(
        accepted, pc.fill_null(pc.equal(raw_tin, intake.verdicts.column("tin_norm")), False)
    )
    has_tin = pc.fill_null(pc.greater(pc.utf8_length(raw_tin), 0), False)
    remaining = pc.and_(has_tin, pc.invert(answered))
    asked = pa.table(
        {
            "request_id": intake.records.column("request_id").filter(answered),
            "tin": raw_tin.filter(answered),
        }
    )
    from_run = named_by_tin.join(asked, keys=["request_id", "tin"], join_type="left semi")
    if not pc.any(remaining).as_py():
        return from_run
    rest = replace(
        intake,
        records=intake.records.filter(remaining),
        standardized=intake.standardized.filter(remaining),
        verdicts=intake.verdicts.filter(remaining),
        counts={},
        quarantine_reason=None,
    )
    matched_again = policy_disclosures(
        without_intake(rest), index, "tin-only", threads=1, engine_choice=engine_choice
    )
    return pa.concat_tables([from_run, matched_again], promote_options="permissive")


def counterfactual_totals(tin_only: pa.Table, final: pa.Table) -> dict[str, int]:
    """What the 2025 TIN-only rule would have disclosed on this batch (``tin_only``), and how
    much of it this system (the law) did not: on requests intake rejected, or not to that
    taxpayer."""
    ours = final.select(["request_id", "outcome", "matched_tin"])
    # Every row of tin_only with its record's outcome: the join's hash table is built on its
    # right side, here the disclosures (0.1 s against 0.25 s on the whole batch's 1.28 M).
    joined = ours.join(tin_only, keys="request_id", join_type="right outer")
    lawful = pc.fill_null(pc.equal(joined.column("matched_tin"), joined.column("tin")), False)
    rejected = pc.fill_null(pc.equal(joined.column("outcome"), Outcome.REJECTED.value), False)
    return {
        "disclosed": joined.num_rows,
        "on_rejected_requests": int(pc.sum(rejected).as_py() or 0),
        "not_lawful": int(pc.sum(pc.invert(lawful)).as_py() or 0),
    }
