"""``ivs run``: one batch through intake, standardization, matching, decision and disclosure.

The one place that knows the order of the stages; each stage is a call to its own module:
intake (``intake_step``), the index (``index_step``), matching and deciding (``match_step``),
the ledger commit (``commit_step``), the batch's passage on the record (``status``), the
decisions files (``decisions_file``), the TIN-only counterfactual (``policies``), the review
queue, the response (``disclose.response``) and how it leaves (``deliver_step``). Writes
``BATCH_ID.decisions.parquet`` (internal: every record's outcome, code, evidence and
candidates, without the disclosed addresses) and ``BATCH_ID.package.zip``: the response
(formats.md §3) encrypted to the manifest's recipients and signed (``disclose/package.py``);
``BATCH_ID.response.csv`` in plaintext only with ``plaintext_response``. A batch that fails as
a whole writes no response.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ivs import __version__
from ivs.batch.commit_step import (
    BatchAccount,
    CommittedChunk,
    commit_decisions,
    committed_decisions,
)
from ivs.batch.decisions_file import (
    WorkDecisions,
    decisions_as_matched,
    index_of,
    published,
    rule_set_of,
    stored_decisions,
    unchanged_by_commit,
    whole_and_kept,
    with_provenance,
    write_unpublished,
)
from ivs.batch.deliver_step import plan_delivery, write_package
from ivs.batch.index_step import IndexInfo, built_index, ensure_index, fingerprint_beside
from ivs.batch.intake_step import intake_batch, request_states
from ivs.batch.match_step import match_batch
from ivs.batch.policies import counterfactual_totals, tin_only_disclosures
from ivs.batch.status import (
    batch_key,
    finish_batch,
    record_duplicate,
    record_quarantined,
    record_refused,
    register_batch,
    set_rule_set,
)
from ivs.decide.rules import rule_set_for
from ivs.disclose.package import package_path
from ivs.disclose.response import response_table
from ivs.disclose.safeguards import agency_status
from ivs.domain.errors import BatchQuarantined, BatchRejected, Conflict
from ivs.domain.ids import BatchKey, path_for_id
from ivs.domain.settings import Settings
from ivs.engines.base import DUCKDB, EngineChoice
from ivs.formats.response import response_bytes
from ivs.formats.signers import Signer
from ivs.ledger.keys import ledger_key_path, load_ledger_key
from ivs.ledger.log import Ledger
from ivs.match.model import load_model
from ivs.review import claim_answer_folder, enqueue_reviews, record_inputs
from ivs.store import open_store, pilot_history

__all__ = ["RunResult", "run_batch"]

Step = Callable[[str], None]
_BESIDE_COMMIT_NICENESS = 10


@dataclass
class RunResult:
    batch_id: str
    # The response package (BATCH_ID.package.zip); not written while the response is withheld.
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
    # Decided and recorded, but the response is not released: the recipient agency's
    # safeguards review bars it until cleared (disclose/safeguards.py), or no recipient the
    # manifest names has a valid key (``withheld_because``); run the batch again then.
    withheld: bool = False
    withheld_because: str | None = None
    # Written only by the operator's explicit choice (``plaintext_response``), on the record.
    plaintext: Path | None = None
    agency: str = ""  # the requesting agency: with ``batch_id``, the batch's identity

    @property
    def key(self) -> BatchKey:
        return BatchKey(self.agency, self.batch_id)


def _counts(column: pa.ChunkedArray) -> dict[str, int]:
    return {str(r["values"]): int(r["counts"]) for r in pc.value_counts(column).to_pylist()}


def _clock() -> datetime:
    return datetime.now(UTC)


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
    plaintext_response: bool = False,
    operator: str = "ivs run",
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
    fingerprinted = fingerprint_beside(master)

    def name_words() -> Path | None:
        # With the index already built (as for every batch but the first of a master), the
        # names' match columns are made in intake's names worker.
        built = built_index(settings, fingerprinted)
        return built.path("name_words") if built else None

    try:
        intake = intake_batch(
            manifest,
            roster,
            settings,
            pilot_history(store),
            now=now,
            step=announce,
            name_words=name_words,
        )
    except BatchRejected as e:
        record_refused(ledger, e.batch_id, manifest, e.problems)
        raise
    timings["intake"] = time.perf_counter() - started
    m = intake.manifest
    batch_id = m.batch_id
    key = batch_key(intake)
    out_dir.mkdir(parents=True, exist_ok=True)
    decisions_path = path_for_id(out_dir, batch_id, ".decisions.parquet")
    response_path = package_path(out_dir, batch_id)
    if intake.quarantined:
        record_quarantined(ledger, intake)
        raise BatchQuarantined(batch_id, f"batch {batch_id}: {intake.quarantine_reason}")
    # Beside the single-threaded commit, on other threads: the candidate lists, the
    # counterfactual's matching, the working decisions file, and the decisions file and the
    # response as matched (made again from the record if a hold changed an outcome). Arrow and
    # the engine release the interpreter.
    pool = ThreadPoolExecutor(max_workers=2, initializer=_yield_to_the_commit)
    tin_only: Future[pa.Table] | None = None
    # The decisions file and the response as matched, made beside the commit.
    as_matched: tuple[Future[Path], Future[bytes]] | None = None
    try:
        claim_answer_folder(out_dir, key)
        status = register_batch(store, ledger, intake, out_dir, now)
        work_path = WorkDecisions.of(settings, key)
        committed_here: list[CommittedChunk] = []
        result = RunResult(batch_id, response_path, decisions_path, {}, {}, "", agency=key.agency)
        index: IndexInfo | None = None
        if status.answered:
            # The same signed batch again: answered from what is on the record, byte for byte;
            # nothing is matched or decided a second time.
            matched = stored_decisions(work_path, m.digest)
            if matched is None:
                raise Conflict(
                    f"batch {batch_id} was answered before, but its working decisions at "
                    f"{work_path.path} are gone (purged after retention): the response cannot be "
                    "produced again. The ledger still holds every decision."
                )
            record_duplicate(store, ledger, intake)
            result.repeated = True
            account_rule_set = rule_set_of(matched)
        else:
            model = load_model(model_path)
            rules = rule_set_for(settings, model.digest)
            t = time.perf_counter()
            index = ensure_index(
                master,
                settings,
                step=announce,
                engine_choice=engine_choice,
                fingerprinted=fingerprinted,
            )
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
                matched = with_provenance(
                    output.decided.append_column("request_state", request_states(intake)),
                    manifest_digest=m.digest,
                    rule_set=rules.digest,
                    index=index.folder,
                )
                # Each pool task waits only on tasks submitted before it (the candidate
                # lists, then this), so the pool cannot deadlock whatever its size.
                whole = pool.submit(whole_and_kept, matched, output.candidate_lists, work_path)
            else:
                matched = stored
                whole = Future()
                whole.set_result(stored)
            tin_only = pool.submit(tin_only_disclosures, intake, index, engine_choice, named_by_tin)
            # The decisions file and the response as matched, beside the commit rather than on
            # one core after it: they are the committed ones unless a hold changes an outcome
            # meanwhile, which is checked before they are used.
            as_matched = (
                pool.submit(decisions_as_matched, whole, decisions_path),
                pool.submit(response_bytes, response_table(matched)),
            )
            account_rule_set = rule_set_of(matched)
            set_rule_set(store, key, account_rule_set)
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
                clock=_clock,
                progress=progress,
            )
            timings["ledger"] = time.perf_counter() - t
            # With its candidate lists, and kept as the working decisions file.
            matched = whole.result()

        t = time.perf_counter()
        announce("writing decisions and response")
        decisions = committed_decisions(store, matched, key, committed_here)
        # Unchanged, the records as committed give the decisions file and the response as
        # matched: the same outcomes and codes, and disclosed values only where disclosed.
        kept = as_matched if as_matched and unchanged_by_commit(matched, decisions) else None
        if kept is not None:
            decisions_written = kept[0]
        else:
            if as_matched is not None:
                as_matched[0].result()  # its file is written again below, from the record
            decisions_written = pool.submit(write_unpublished, published(decisions), decisions_path)
        # The index the batch was matched against, for `ivs explain` and review releases.
        record_inputs(out_dir, key, manifest=manifest, master=master, index=index_of(matched))
        enqueue_reviews(store, key, decisions_path, decisions=decisions)
        outcomes = _counts(decisions.column("outcome"))
        codes = _counts(decisions.column("decision_code"))
        counterfactual = counterfactual_totals(tin_only.result(), decisions) if tin_only else None
        with store.connect() as conn:
            cleared = agency_status(conn, m.requesting_agency).cleared
        plan = (
            plan_delivery(
                store,
                m,
                kept[1].result() if kept else response_bytes(response_table(decisions)),
                out_dir=out_dir,
                plaintext_response=plaintext_response,
                operator=operator,
            )
            if cleared
            else None
        )
        # Both files are whole before the batch is marked answered (the working one is with
        # `whole`, or was before this run).
        decisions_written.result().replace(decisions_path)
        finished = finish_batch(
            store,
            ledger,
            key,
            records=decisions.num_rows,
            outcomes=outcomes,
            codes=codes,
            rule_set=account_rule_set,
            counterfactual=counterfactual,
            releases=plan.releases if plan else (),
            withheld_because=plan.withheld_because if plan else None,
            now=now,
        )
        if plan is not None and plan.sealed is not None:
            write_package(
                store,
                ledger,
                plan.sealed,
                finished,
                path=response_path,
                batch_id=batch_id,
                agency=m.requesting_agency,
                record_count=decisions.num_rows,
                outcomes=outcomes,
            )
        timings["write"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - started
    finally:
        pool.shutdown(cancel_futures=True)
    result.outcomes, result.codes, result.rule_set = outcomes, codes, account_rule_set
    result.index = index
    result.stage_seconds = timings
    result.withheld = plan is None or not (plan.sealed or plan.kept or plan.plaintext)
    result.withheld_because = plan.withheld_because if plan else None
    result.plaintext = plan.plaintext if plan else None
    return result
