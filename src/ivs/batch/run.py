"""``ivs run``: one batch through intake, standardization, matching, decision and disclosure.

The one place that knows the order of the stages. Writes ``BATCH_ID.decisions.parquet``
(internal: every record's outcome, code, evidence and candidates) and, from it,
``BATCH_ID.response.csv`` (formats.md §3). A batch that fails as a whole writes no response.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa

from ivs import __version__
from ivs.batch.index_step import IndexInfo, ensure_index
from ivs.batch.inputs import load_inputs
from ivs.batch.intake_step import IntakeOutcome, intake_batch
from ivs.decide.rules import RuleSet, decide
from ivs.domain.codes import Outcome
from ivs.domain.errors import BatchQuarantined, Conflict
from ivs.domain.settings import Settings
from ivs.engines.duckdb_engine import DuckDBEngine
from ivs.formats.response import write_response
from ivs.formats.signers import Signer
from ivs.match.model import MatchModel, load_model
from ivs.match.pipeline import BLOCKING_RULES, match_steps
from ivs.review import enqueue_reviews, record_inputs
from ivs.store import batches, open_store, pilot_history

__all__ = [
    "MatchOutput",
    "RunResult",
    "match_batch",
    "response_table",
    "run_batch",
]

Step = Callable[[str], None]
AMBIGUITY_MARGIN_BITS = 6.0


@dataclass
class RunResult:
    batch_id: str
    response: Path
    decisions: Path
    outcomes: dict[str, int]
    codes: dict[str, int]
    rule_set: str
    index: IndexInfo | None = None
    pair_counts: dict[str, int] = field(default_factory=dict)
    blocking_recall: float | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    repeated: bool = False


def rule_set_for(settings: Settings, model: MatchModel) -> RuleSet:
    return RuleSet(
        disclosure_threshold=settings.disclosure_threshold,
        review_threshold=settings.review_threshold,
        ambiguity_margin=AMBIGUITY_MARGIN_BITS,
        model_digest=model.digest,
        software_version=__version__,
    )


def _counts(column: pa.ChunkedArray) -> dict[str, int]:
    return {str(r["values"]): int(r["counts"]) for r in pc.value_counts(column).to_pylist()}


@dataclass(frozen=True, slots=True)
class MatchOutput:
    decisions: pa.Table
    pair_counts: dict[str, int]
    blocking_recall: float | None
    step_seconds: dict[str, float]


def match_batch(
    intake: IntakeOutcome, index: IndexInfo, model: MatchModel, rules: RuleSet, *, step: Step
) -> MatchOutput:
    """Decisions for every record of an accepted batch, in the records' order."""
    with DuckDBEngine() as engine:
        step("loading index")
        load_inputs(engine, intake, index)
        step("generating and scoring candidates")
        engine.run(match_steps(model, on=intake.manifest.submitted_at.date()))
        step_seconds = dict(engine.step_seconds)
        pair_counts = {
            rule.name: int(str(engine.scalar(f"SELECT count(*) FROM pairs WHERE by_{rule.name}")))
            for rule in BLOCKING_RULES
        }
        pair_counts["distinct pairs"] = int(str(engine.scalar("SELECT count(*) FROM pairs")))
        # Blocking recall on TIN-verified pairs: of requests whose TIN names a taxpayer whose
        # name and address match, the share the other rules find too (a request whose address
        # is not the taxpayer's cannot be found by an address rule, nor be disclosed).
        verified = engine.arrow(
            f"""SELECT count(*) AS n, count(*) FILTER (WHERE {
                " OR ".join(f"by_{r.name}" for r in BLOCKING_RULES if r.name != "tin")
            }) AS found
                FROM scored WHERE by_tin AND tin_level = 0 AND name_ok AND address_ok"""
        ).to_pylist()[0]
        recall = verified["found"] / verified["n"] if verified["n"] else None
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
                }
            ),
        )
        joined = engine.arrow(
            """
            SELECT b.*, e.* EXCLUDE (request_id), c.candidate_list,
                   lk.street_address, lk.unit, lk.city, lk.state, lk.zip
            FROM base b
            LEFT JOIN request_evidence e ON e.request_id = b.request_id AND b.rejection_code IS NULL
            LEFT JOIN (
                SELECT request_id, list(struct_pack(tin, name_level, address_level, tin_level,
                        dob_level, suffix_level, match_weight, match_probability, restricted,
                        by_tin, by_number_zip, by_box_zip, by_surname_sound_zip, by_dob_initial)
                        ORDER BY match_weight DESC) AS candidate_list
                FROM scored GROUP BY request_id) c
              ON c.request_id = b.request_id AND b.rejection_code IS NULL
            LEFT JOIN last_known lk ON lk.tin = e.best_tin
            ORDER BY b._row
            """
        )
    # Court holds arrive with the ledger; until then nothing is held.
    held = pa.array([False] * joined.num_rows)
    decision_input = joined.append_column("held", held)
    decided = decide(decision_input, rules)
    disclosed = pc.equal(decided.column("outcome"), Outcome.DISCLOSED.value)
    not_rejected = pc.invert(pc.fill_null(pc.is_valid(joined.column("rejection_code")), False))
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        "request_id": joined.column("request_id"),
        "_row": joined.column("_row"),
        "outcome": decided.column("outcome"),
        "decision_code": pc.if_else(
            pc.equal(decided.column("decision_code"), "REJECTED"),
            joined.column("rejection_code"),
            decided.column("decision_code"),
        ),
        "rejection_codes": joined.column("rejection_codes"),
        "matched_tin": pc.if_else(disclosed, joined.column("best_tin"), None),
        "best_tin": pc.if_else(not_rejected, joined.column("best_tin"), None),
        "match_probability": joined.column("best_probability"),
        "match_weight": joined.column("best_weight"),
        "runner_up_weight": joined.column("runner_up_weight"),
        "candidates": pc.fill_null(joined.column("candidates"), 0),
        "plausible": pc.fill_null(joined.column("plausible"), 0),
        "candidate_list": joined.column("candidate_list"),
        "rule_set": pa.array([rules.digest] * joined.num_rows),
    }
    for name in ("street_address", "unit", "city", "state", "zip"):
        columns[f"disclosed_{name}"] = pc.if_else(disclosed, joined.column(name), None)
    return MatchOutput(pa.table(columns), pair_counts, recall, step_seconds)


def response_table(decisions: pa.Table) -> pa.Table:
    """formats.md §3 from the recorded decisions: addresses only where DISCLOSED."""
    rejected = pc.equal(decisions.column("outcome"), Outcome.REJECTED.value)
    columns = {
        "request_id": decisions.column("request_id"),
        "outcome": decisions.column("outcome"),
        "rejection_reason": pc.if_else(rejected, decisions.column("decision_code"), None),
    }
    for name in ("street_address", "unit", "city", "state", "zip"):
        columns[name] = decisions.column(f"disclosed_{name}")
    return pa.table(columns)


def _register_batch(engine: sa.Engine, intake: IntakeOutcome, now: datetime) -> bool:
    """Record the batch id; True if this exact batch was already completed."""
    m = intake.manifest
    with engine.begin() as conn:
        row = conn.execute(sa.select(batches).where(batches.c.batch_id == m.batch_id)).first()
        if row is not None:
            if row.manifest_digest != m.digest:
                raise Conflict(
                    f"batch id {m.batch_id!r} was already used by a different batch (manifest "
                    f"digest {row.manifest_digest[:12]}…); a new batch needs a new batch_id"
                )
            return bool(row.status == "completed")
        conn.execute(
            batches.insert().values(
                batch_id=m.batch_id,
                manifest_digest=m.digest,
                requesting_agency=m.requesting_agency,
                record_count=intake.records.num_rows,
                status="running",
                received_at=now.isoformat(timespec="seconds"),
            )
        )
    return False


def run_batch(
    manifest: Path,
    master: Path,
    roster: Mapping[str, Signer],
    settings: Settings,
    out_dir: Path,
    *,
    now: datetime,
    model_path: Path | None = None,
    step: Step | None = None,
) -> RunResult:
    """Run one batch end to end; see the module docstring."""
    announce = step or (lambda _s: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    store = open_store(settings)
    intake = intake_batch(manifest, roster, settings, pilot_history(store), now=now, step=announce)
    timings["intake"] = time.perf_counter() - started
    batch_id = intake.manifest.batch_id
    out_dir.mkdir(parents=True, exist_ok=True)
    decisions_path = out_dir / f"{batch_id}.decisions.parquet"
    response_path = out_dir / f"{batch_id}.response.csv"
    model = load_model(model_path)
    rules = rule_set_for(settings, model)
    if intake.quarantined:
        with store.begin() as conn:
            conn.execute(
                batches.delete()
                .where(batches.c.batch_id == batch_id)
                .where(batches.c.status != "completed")
            )
        raise BatchQuarantined(batch_id, f"batch {batch_id}: {intake.quarantine_reason}")
    repeated = _register_batch(store, intake, now)
    if repeated and decisions_path.is_file():
        # The same signed batch again: the recorded decisions give the same response, byte
        # for byte; nothing is matched or decided a second time.
        decisions = pq.read_table(decisions_path)
        write_response(response_path, response_table(decisions))
        enqueue_reviews(store, batch_id, decisions_path)
        return RunResult(
            batch_id,
            response_path,
            decisions_path,
            _counts(decisions.column("outcome")),
            _counts(decisions.column("decision_code")),
            rules.digest,
            repeated=True,
            stage_seconds={"total": time.perf_counter() - started},
        )

    t = time.perf_counter()
    index = ensure_index(master, settings, step=announce)
    timings["index"] = time.perf_counter() - t
    t = time.perf_counter()
    matched = match_batch(intake, index, model, rules, step=announce)
    decisions = matched.decisions
    timings["match and decide"] = time.perf_counter() - t
    timings.update({f"  {name}": seconds for name, seconds in matched.step_seconds.items()})
    t = time.perf_counter()
    announce("writing decisions and response")
    pq.write_table(
        decisions, decisions_path.with_name(decisions_path.name + ".partial"), compression="zstd"
    )
    decisions_path.with_name(decisions_path.name + ".partial").replace(decisions_path)
    sha = write_response(response_path, response_table(decisions))
    record_inputs(out_dir, batch_id, manifest=manifest, master=master, index=index.folder)
    enqueue_reviews(store, batch_id, decisions_path)
    with store.begin() as conn:
        conn.execute(
            batches.update()
            .where(batches.c.batch_id == batch_id)
            .values(
                status="completed",
                finished_at=now.isoformat(timespec="seconds"),
                response_sha256=sha,
            )
        )
    timings["write"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return RunResult(
        batch_id=batch_id,
        response=response_path,
        decisions=decisions_path,
        outcomes=_counts(decisions.column("outcome")),
        codes=_counts(decisions.column("decision_code")),
        rule_set=rules.digest,
        index=index,
        pair_counts=matched.pair_counts,
        blocking_recall=matched.blocking_recall,
        stage_seconds=timings,
    )
