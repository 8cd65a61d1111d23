"""Disclosure policies other than the law's, run on the same batch for comparison.

``tin-only`` is the 2025 process (disclose the last known address whenever the request's
name and TIN match a taxpayer, whatever the address says); ``name-only`` discloses whenever
exactly one candidate's name matches. Used by ``ivs simulate`` and by ``ivs run`` to put the
counterfactual on the record with each batch.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ivs.batch.index_step import IndexInfo
from ivs.batch.inputs import load_inputs
from ivs.batch.intake_step import IntakeOutcome
from ivs.domain.engine import SqlStep
from ivs.engines.base import DUCKDB, EngineChoice
from ivs.match.comparisons import NAME, NAME_MATCH_LEVELS
from ivs.match.pipeline import blocking_steps, comparison_steps

__all__ = ["policy_disclosures", "without_intake"]


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
    return IntakeOutcome(intake.manifest, intake.records, intake.standardized, verdicts, {}, None)


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
        load_inputs(engine, intake, index, requested_tins_only=policy == "tin-only")
        on = intake.manifest.submitted_at.date()
        if policy == "tin-only":
            pairs = SqlStep(
                "pairs", "SELECT r.request_key, t.tin FROM req r JOIN tp t ON r.tin_norm = t.tin"
            )
            engine.run([pairs, *comparison_steps(on=on, dialect=dialect)])
            disclosed = f"SELECT request_key, tin FROM compared WHERE {_name_ok_sql()}"
        else:
            engine.run([*blocking_steps(dialect), *comparison_steps(on=on, dialect=dialect)])
            disclosed = f"""SELECT request_key, any_value(tin) AS tin FROM compared
                            WHERE {_name_ok_sql()} GROUP BY request_key HAVING count(*) = 1"""
        return engine.arrow(
            f"SELECT r.request_id, d.tin FROM ({disclosed}) d JOIN req r USING (request_key)"
        )
