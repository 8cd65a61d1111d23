"""``ivs run``: one batch through intake, standardization, matching, decision and disclosure.

The one place that knows the order of the stages. Writes ``BATCH_ID.decisions.parquet``
(internal: every record's outcome, code, evidence and candidates) and, from it,
``BATCH_ID.response.csv`` (formats.md §3). A batch that fails as a whole writes no response.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc

from ivs import __version__
from ivs.batch.commit_step import (
    BatchAccount,
    CommittedChunk,
    commit_decisions,
    committed_decisions,
)
from ivs.batch.decisions_file import (
    decisions_as_matched,
    stored_decisions,
    unchanged_by_commit,
    whole_and_kept,
    with_candidate_lists,
    work_decisions_path,
    write_unpublished,
)
from ivs.batch.index_step import IndexInfo, ensure_index
from ivs.batch.inputs import load_inputs
from ivs.batch.intake_step import IntakeOutcome, intake_batch
from ivs.batch.policies import policy_disclosures, without_intake
from ivs.batch.status import (
    finish_batch,
    record_duplicate,
    record_quarantined,
    record_refused,
    register_batch,
    set_rule_set,
)
from ivs.decide.rules import RuleSet, decide
from ivs.disclose.safeguards import agency_status
from ivs.domain.codes import Outcome
from ivs.domain.engine import Engine
from ivs.domain.errors import BatchQuarantined, BatchRejected, Conflict
from ivs.domain.settings import Settings
from ivs.engines.base import DUCKDB, EngineChoice
from ivs.formats.response import write_response
from ivs.formats.signers import Signer
from ivs.ledger.keys import ledger_key_path, load_ledger_key
from ivs.ledger.log import Ledger
from ivs.match.model import MatchModel, load_model
from ivs.match.pipeline import BLOCKING_RULES, match_steps
from ivs.review import enqueue_reviews, record_inputs
from ivs.store import open_store, pilot_history

__all__ = [
    "MatchOutput",
    "RunResult",
    "match_batch",
    "response_table",
    "run_batch",
]

Step = Callable[[str], None]
AMBIGUITY_MARGIN_BITS = 6.0
_BESIDE_COMMIT_NICENESS = 10


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
    # Decided and recorded, but the recipient agency's safeguards review bars the response
    # file until it is cleared (disclose/safeguards.py); run the batch again then.
    withheld: bool = False


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


# Per candidate, what the decisions file records (``candidate_list``), in this order.
CANDIDATE_FIELDS = (
    "tin",
    "name_level",
    "address_level",
    "tin_level",
    "dob_level",
    "suffix_level",
    "match_weight",
    "match_probability",
    "restricted",
    *(f"by_{rule.name}" for rule in BLOCKING_RULES),
)


def _candidate_lists(records: pa.Table, candidates: pa.Table) -> pa.Array:
    """One list of candidates per record (null when none), from rows sorted by ``_row``.

    ``records`` is ordered by ``_row``; ``candidates`` holds ``_row`` and CANDIDATE_FIELDS,
    sorted by ``_row`` and then best first.
    """
    rows = np.asarray(records.column("_row").to_numpy())
    owner = np.searchsorted(rows, np.asarray(candidates.column("_row").to_numpy()))
    counts = np.bincount(owner, minlength=len(rows))
    offsets = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = pa.StructArray.from_arrays(
        [candidates.column(name).combine_chunks() for name in CANDIDATE_FIELDS],
        names=list(CANDIDATE_FIELDS),
    )
    return pa.ListArray.from_arrays(
        pa.array(offsets),
        values,
        type=pa.list_(pa.field("l", values.type)),
        mask=pa.array(counts == 0),
    )


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
        decided, candidates_sql, counts = _decide_on(engine, intake, index, model, rules, step=step)
    except BaseException:
        engine.close()
        raise

    def candidate_lists() -> pa.Array:
        try:
            return _candidate_lists(decided, engine.arrow(candidates_sql))
        finally:
            engine.close()

    if lists_on is None:
        lists: Future[pa.Array] = Future()
        lists.set_result(candidate_lists())
    else:
        lists = lists_on.submit(candidate_lists)
    return MatchOutput(decided, lists, *counts)


def _decide_on(
    engine: Engine,
    intake: IntakeOutcome,
    index: IndexInfo,
    model: MatchModel,
    rules: RuleSet,
    *,
    step: Step,
) -> tuple[pa.Table, str, tuple[dict[str, int], float | None, dict[str, float], pa.Table]]:
    """The decided table, the query of the candidate lists, and the pair counts, blocking
    recall, step times and TIN pairs of :class:`MatchOutput`."""
    step("loading index")
    load_inputs(engine, intake, index)
    step("generating and scoring candidates")
    engine.run(match_steps(model, on=intake.manifest.submitted_at.date(), dialect=engine.dialect))
    step_seconds = dict(engine.step_seconds)
    counted = ", ".join(
        f"count(*) FILTER (WHERE by_{rule.name}) AS {rule.name}" for rule in BLOCKING_RULES
    )
    counts = engine.arrow(f"SELECT {counted}, count(*) AS n FROM pairs").to_pylist()[0]
    pair_counts = {rule.name: int(counts[rule.name]) for rule in BLOCKING_RULES}
    pair_counts["distinct pairs"] = int(counts["n"])
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
    named_by_tin = engine.arrow(
        """SELECT r.request_id, s.tin FROM scored s JOIN req r ON r.request_key = s.request_key
           WHERE s.by_tin AND s.name_ok"""
    )
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
    evidence = engine.arrow("SELECT * FROM request_evidence LIMIT 0").column_names
    joined = engine.arrow(
        f"""
        SELECT b.*, {", ".join(f"e.{c}" for c in evidence if c != "request_key")},
               lk.street_address, lk.unit, lk.city, lk.state, lk.zip
        FROM base b
        LEFT JOIN request_evidence e ON e.request_key = b._row AND b.rejection_code IS NULL
        LEFT JOIN last_known lk ON lk.tin = e.best_tin
        ORDER BY b._row
        """
    )
    # Holds are checked at the moment of disclosure, when the decision is committed
    # (commit_step.py); here every record is decided as if none were in force.
    held = pa.array([False] * joined.num_rows)
    decided = decide(joined.append_column("held", held), rules)
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
        "rule_set": pa.array([rules.digest] * joined.num_rows),
    }
    for name in ("street_address", "unit", "city", "state", "zip"):
        columns[f"disclosed_{name}"] = pc.if_else(disclosed, joined.column(name), None)
    # The candidates considered, best first, as one flat sorted table: cut into per-record
    # lists afterwards, which costs far less than a list aggregate sorting inside every
    # group. Ties go to the lower TIN, compared as a number: the master's TINs are nine
    # digits (checked as it is read), so the order is the text's, and a sort on numbers
    # took a quarter less time (1.3 s against 1.7 s for 6.7 M candidates).
    candidates_sql = f"""
        SELECT b._row, {", ".join(f"s.{c}" for c in CANDIDATE_FIELDS)}
        FROM scored s JOIN base b ON b._row = s.request_key AND b.rejection_code IS NULL
        ORDER BY b._row, s.match_weight DESC, CAST(s.tin AS BIGINT)
        """
    return (
        pa.table(columns),
        candidates_sql,
        (pair_counts, recall, step_seconds, named_by_tin),
    )


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


def _request_states(intake: IntakeOutcome) -> pa.ChunkedArray | pa.Array:
    # Only a well-formed state code is a jurisdiction; anything else reads as unknown.
    states = intake.standardized.column("addr_state")
    return pc.if_else(pc.match_substring_regex(states, r"^[A-Z]{2}$"), states, None)


def _tin_only_disclosures(
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
    rest = IntakeOutcome(
        intake.manifest,
        intake.records.filter(remaining),
        intake.standardized.filter(remaining),
        intake.verdicts.filter(remaining),
        {},
        None,
    )
    matched_again = policy_disclosures(
        without_intake(rest), index, "tin-only", threads=1, engine_choice=engine_choice
    )
    return pa.concat_tables([from_run, matched_again], promote_options="permissive")


def _yield_to_the_commit() -> None:
    """Lower the calling thread's scheduling priority by ``_BESIDE_COMMIT_NICENESS`` (Linux,
    where priority is per thread; elsewhere nothing changes).

    The threads beside the ledger commit have less work than the commit and the whole of its
    duration to do it in; at equal priority they took a share of the commit's core whenever
    more threads were ready than there are cores, and the commit is what the run waits for.
    """
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):
        lower = min(os.getpriority(os.PRIO_PROCESS, thread) + _BESIDE_COMMIT_NICENESS, 19)
        os.setpriority(os.PRIO_PROCESS, thread, lower)


def _counterfactual(tin_only: pa.Table, final: pa.Table) -> dict[str, int]:
    """What the 2025 TIN-only rule would have disclosed on this batch (``tin_only``), and how
    much of it this system (the law) did not: on requests intake rejected, or not to that
    taxpayer."""
    ours = final.select(["request_id", "outcome", "matched_tin"])
    joined = tin_only.join(ours, keys="request_id", join_type="left outer")
    lawful = pc.fill_null(pc.equal(joined.column("matched_tin"), joined.column("tin")), False)
    rejected = pc.fill_null(pc.equal(joined.column("outcome"), Outcome.REJECTED.value), False)
    return {
        "disclosed": joined.num_rows,
        "on_rejected_requests": int(pc.sum(rejected).as_py() or 0),
        "not_lawful": int(pc.sum(pc.invert(lawful)).as_py() or 0),
    }


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
    progress: Callable[[int, int], None] | None = None,
    engine_choice: EngineChoice = DUCKDB,
) -> RunResult:
    """Run one batch end to end; see the module docstring.

    Idempotent and resumable: run again after any interruption, it finishes what was not
    committed; run again after it finished, it answers from the record (same bytes) and
    records the duplicate submission.
    """
    announce = step or (lambda _s: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    store = open_store(settings)
    ledger = Ledger(store, load_ledger_key(ledger_key_path(settings)))
    try:
        intake = intake_batch(
            manifest, roster, settings, pilot_history(store), now=now, step=announce
        )
    except BatchRejected as e:
        record_refused(ledger, e.batch_id, manifest, e.problems)
        raise
    timings["intake"] = time.perf_counter() - started
    m = intake.manifest
    batch_id = m.batch_id
    out_dir.mkdir(parents=True, exist_ok=True)
    decisions_path = out_dir / f"{batch_id}.decisions.parquet"
    response_path = out_dir / f"{batch_id}.response.csv"
    if intake.quarantined:
        record_quarantined(ledger, intake)
        raise BatchQuarantined(batch_id, f"batch {batch_id}: {intake.quarantine_reason}")
    # Beside the single-threaded commit, on other threads: the candidate lists, the
    # counterfactual's matching, the working decisions file and the decisions file as matched
    # (written again beside the response if a hold changed an outcome). Arrow and the engine
    # release the interpreter.
    pool = ThreadPoolExecutor(max_workers=2, initializer=_yield_to_the_commit)
    tin_only: Future[pa.Table] | None = None
    matched_written: Future[Path] | None = None
    try:
        status = register_batch(store, ledger, intake, out_dir, now)
        work_path = work_decisions_path(settings, batch_id)
        account_rule_set: str
        committed_here: list[CommittedChunk] = []
        result = RunResult(batch_id, response_path, decisions_path, {}, {}, "")
        if status.answered:
            # The same signed batch again: answered from what is on the record, byte for byte;
            # nothing is matched or decided a second time.
            matched = stored_decisions(work_path, m.digest)
            if matched is None:
                raise Conflict(
                    f"batch {batch_id} was answered before, but its working decisions at "
                    f"{work_path} are gone (purged after retention): the response cannot be "
                    "produced again. The ledger still holds every decision."
                )
            record_duplicate(store, ledger, intake)
            result.repeated = True
            account_rule_set = (matched.schema.metadata or {})[b"ivs.rule_set"].decode()
            index = None
        else:
            model = load_model(model_path)
            rules = rule_set_for(settings, model)
            t = time.perf_counter()
            index = ensure_index(master, settings, step=announce, engine_choice=engine_choice)
            timings["index"] = time.perf_counter() - t
            stored = stored_decisions(work_path, m.digest)
            named_by_tin: pa.Table | None = None
            whole: Future[pa.Table]
            if stored is None:
                t = time.perf_counter()
                output = match_batch(
                    intake,
                    index,
                    model,
                    rules,
                    step=announce,
                    engine_choice=engine_choice,
                    lists_on=pool,
                )
                timings["match and decide"] = time.perf_counter() - t
                timings.update({f"  {name}": secs for name, secs in output.step_seconds.items()})
                result.pair_counts = output.pair_counts
                result.blocking_recall = output.blocking_recall
                named_by_tin = output.named_by_tin
                matched = output.decided.append_column("request_state", _request_states(intake))
                matched = matched.replace_schema_metadata(
                    {
                        "ivs.manifest_digest": m.digest,
                        "ivs.rule_set": rules.digest,
                        "ivs.index": str(index.folder.resolve()),
                    }
                )
                # Each pool task waits only on tasks submitted before it (the candidate
                # lists, then this), so the pool cannot deadlock whatever its size.
                whole = pool.submit(whole_and_kept, matched, output.candidate_lists, work_path)
            else:
                matched = stored
                whole = Future()
                whole.set_result(stored)
            tin_only = pool.submit(
                _tin_only_disclosures, intake, index, engine_choice, named_by_tin
            )
            # The decisions file as matched, beside the commit: it is the committed one
            # unless a hold changes an outcome meanwhile, which is checked before it is used.
            matched_written = pool.submit(decisions_as_matched, whole, decisions_path)
            account_rule_set = (matched.schema.metadata or {})[b"ivs.rule_set"].decode()
            set_rule_set(store, batch_id, account_rule_set)
            t = time.perf_counter()
            announce("recording decisions on the ledger")
            committed_here = commit_decisions(
                store,
                ledger,
                matched,
                BatchAccount(
                    batch_id=batch_id,
                    agency=m.requesting_agency,
                    recipients=m.recipients,
                    statute=m.statute,
                    purpose=m.purpose,
                    rule_set=account_rule_set,
                    software_version=__version__,
                ),
                chunk_records=settings.commit_chunk_records,
                clock=lambda: datetime.now(UTC),
                progress=progress,
            )
            timings["ledger"] = time.perf_counter() - t
            # With its candidate lists, and kept as the working decisions file.
            matched = whole.result()

        t = time.perf_counter()
        announce("writing decisions and response")
        decisions = committed_decisions(store, matched, batch_id, committed_here)
        if matched_written is not None and unchanged_by_commit(matched, decisions):
            decisions_written = matched_written
        else:
            if matched_written is not None:
                matched_written.result()  # its file is written again below, from the record
            decisions_written = pool.submit(
                write_unpublished, decisions.drop_columns(["request_state"]), decisions_path
            )
        # The index the batch was matched against, for `ivs explain` and review releases.
        matched_index = Path((matched.schema.metadata or {})[b"ivs.index"].decode())
        record_inputs(out_dir, batch_id, manifest=manifest, master=master, index=matched_index)
        enqueue_reviews(store, batch_id, decisions_path, decisions=decisions)
        outcomes = _counts(decisions.column("outcome"))
        codes = _counts(decisions.column("decision_code"))
        counterfactual = _counterfactual(tin_only.result(), decisions) if tin_only else None
        with store.connect() as conn:
            cleared = agency_status(conn, m.requesting_agency).cleared
        sha = write_response(response_path, response_table(decisions)) if cleared else None
        # Both files are whole before the batch is marked answered (the working one is with
        # `whole`, or was before this run).
        decisions_written.result().replace(decisions_path)
        finish_batch(
            store,
            ledger,
            batch_id,
            records=decisions.num_rows,
            outcomes=outcomes,
            codes=codes,
            rule_set=account_rule_set,
            counterfactual=counterfactual,
            response_sha256=sha,
            now=now,
        )
        timings["write"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - started
    finally:
        pool.shutdown(cancel_futures=True)
    result.outcomes, result.codes, result.rule_set = outcomes, codes, account_rule_set
    result.index = index
    result.stage_seconds = timings
    result.withheld = sha is None
    return result
