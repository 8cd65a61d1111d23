"""``ivs explain``: one recorded decision, recomputed through the run's own pipeline.

The request is read from the signed records file and standardized and checked as intake does
(``intake_step.standardize_records``, ``record_verdicts``); its ``req`` row is the run's
(``inputs.requests_table``, with the index's name ids); the index tables are loaded as the run
loads them, narrowed to the candidates shown; and the pairs' levels are recomputed by the run's
comparison steps on the engine the caller chooses (``--engine``), as ``ivs run`` does.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from ivs.batch.inputs import load_index, requests_table
from ivs.batch.intake_step import IntakeOutcome, standardize_records
from ivs.engines.base import DUCKDB, EngineChoice
from ivs.formats.manifest import Manifest
from ivs.intake.record_checks import RecordContext, record_verdicts
from ivs.match.model import MatchModel
from ivs.match.pipeline import comparison_steps
from ivs.match.tin_keys import tin_keys, tin_text_sql
from ivs.review.explain import (
    Explanation,
    decision_row,
    explanation,
    request_record,
    shown_candidates,
    signed_manifest,
)

__all__ = ["explain_request"]


def _request(record: pa.Table, manifest: Manifest) -> IntakeOutcome:
    """The one record as intake standardizes and checks it."""
    standardized = standardize_records(record, parallel=False)
    verdicts = record_verdicts(
        record, standardized, RecordContext(submitted_on=manifest.submitted_at.date())
    )
    return IntakeOutcome(manifest, record, standardized, verdicts, {}, None)


def _shown_request(request: IntakeOutcome) -> dict[str, Any]:
    """The request's standardized columns, as the explanation shows them."""
    row: dict[str, Any] = request.standardized.to_pylist()[0]
    row.update(
        request_id=request.records.column("request_id")[0].as_py(),
        request_key=request.records.column("_row")[0].as_py(),
        tin_norm=request.verdicts.column("tin_norm")[0].as_py(),
        dob=request.verdicts.column("dob")[0].as_py(),
        dob_aside=request.verdicts.column("dob_aside")[0].as_py(),
    )
    return row


def _compared(
    request: IntakeOutcome, tins: list[str], index: Path, on: date, engine_choice: EngineChoice
) -> dict[str, dict[str, Any]]:
    """Per candidate TIN: recomputed levels, standardized name and the address form compared."""
    request_key = request.records.column("_row")[0].as_py()
    with engine_choice.open() as engine:
        # The name ids the run gave this request: the index's, for words it knows.
        engine.register("req", requests_table(request, index / "name_words.parquet"))
        engine.register(
            "pairs",
            pa.table(
                {
                    "request_key": [request_key] * len(tins),
                    "tin": tin_keys(pa.array(tins, pa.string())),
                }
            ),
        )
        steps = comparison_steps(on=on, dialect=engine.dialect, form_shown=True)
        shown = f"""
            SELECT {tin_text_sql("c.tin")} AS tin, c.name_level, c.address_level, c.tin_level,
                   c.dob_level, c.suffix_level, c.middle_level, t.name_last, t.name_first,
                   t.name_suffix, t.name_middle, t.date_of_birth,
                   f.addr_line, f.addr_unit, f.addr_city, f.addr_state, f.addr_zip5,
                   EXISTS (SELECT 1 FROM restr x
                           WHERE x.tin = c.tin AND x.kind = 'master_defect') AS withheld
            FROM compared c JOIN tp t ON t.tin = c.tin
            LEFT JOIN forms f ON f.form_id = c.address_form_id
            """
        load_index(
            engine,
            index,
            tins="SELECT tin FROM pairs",
            read_by=" ".join([*(s.sql for s in steps), shown]),
        )
        engine.run(steps)
        rows = engine.arrow(shown).to_pylist()
    return {r["tin"]: r for r in rows}


def explain_request(
    decisions: Path,
    request_id: str,
    *,
    manifest: Path,
    index: Path,
    model: MatchModel,
    ambiguity_margin: float,
    max_candidates: int = 5,
    engine_choice: EngineChoice = DUCKDB,
) -> Explanation:
    """The explanation of one recorded decision (see the module docstring)."""
    decided = decision_row(decisions, request_id)
    signed = signed_manifest(decisions, manifest)
    record = request_record(signed, int(decided["_row"]), request_id)
    request = _request(record, signed)
    shown = shown_candidates(decided, max_candidates)
    found = (
        _compared(
            request,
            [c["tin"] for c in shown],
            index,
            signed.submitted_at.date(),
            engine_choice,
        )
        if shown
        else {}
    )
    return explanation(
        decisions,
        decided,
        record=record,
        request=_shown_request(request),
        shown=shown,
        found=found,
        model=model,
        ambiguity_margin=ambiguity_margin,
    )
