"""``ivs explain`` and ``ivs review``: why a record was decided, and the review queue."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from ivs.batch.explain_step import explain_request
from ivs.batch.index_step import ensure_index
from ivs.cli.common import ENGINE_HELP, SPARK_MASTER_HELP, console, handle_errors
from ivs.domain.settings import load_settings
from ivs.engines.base import DUCKDB, EngineChoice
from ivs.ledger.keys import open_ledger
from ivs.match.model import load_model
from ivs.review import (
    Explanation,
    claim_answer_folder,
    decide_case,
    decisions_path,
    get_case,
    list_cases,
    locate_index,
    locate_manifest,
    read_inputs,
    release_batch,
    render_explanation,
)
from ivs.review.accounting import ReviewAccounting
from ivs.store import find_batch, open_store

__all__ = ["register"]

review_app = typer.Typer(
    help="The review queue: matches between the review and disclosure thresholds.",
    no_args_is_help=True,
)

_MANIFEST = typer.Option(
    None, "--manifest", help="The batch's manifest (default: from BATCH_ID.inputs.json)."
)
_MASTER = typer.Option(
    None, "--master", help="Master folder the batch ran on (default: from BATCH_ID.inputs.json)."
)
_MODEL = typer.Option(None, "--model", help="Match model JSON the batch used (default: shipped).")
_CANDIDATES = typer.Option(5, "--candidates", min=1, help="Candidates shown, by weight.")
_AGENCY = typer.Option(
    None,
    "--agency",
    help="The batch's requesting agency, when agencies used the same batch id (each agency's "
    "ids are its own).",
)


def _index_from(master: Path | None, choice: EngineChoice = DUCKDB) -> Path | None:
    if master is None:
        return None
    return ensure_index(master, load_settings(), engine_choice=choice).folder


def _explain(
    decisions: Path,
    request_id: str,
    *,
    manifest: Path | None,
    master: Path | None,
    model: Path | None,
    candidates: int,
    choice: EngineChoice = DUCKDB,
) -> Explanation:
    batch_id = decisions.name.removesuffix(".decisions.parquet")
    inputs = read_inputs(decisions.parent, batch_id)
    return explain_request(
        decisions,
        request_id,
        manifest=locate_manifest(inputs, manifest),
        index=locate_index(inputs, _index_from(master, choice)),
        model=load_model(model),
        ambiguity_margin=load_settings().ambiguity_margin_bits,
        max_candidates=candidates,
        engine_choice=choice,
    )


def _reviewer(by: str | None) -> str:
    return by if by is not None else getpass.getuser()


@handle_errors
def explain(
    out_dir: Path = typer.Argument(..., help="The folder `ivs run --out` wrote."),
    request_id: str = typer.Argument(..., help="The request's request_id."),
    batch: str | None = typer.Option(
        None, "--batch", help="Batch id, when the folder holds several."
    ),
    manifest: Path | None = _MANIFEST,
    master: Path | None = _MASTER,
    model: Path | None = _MODEL,
    candidates: int = _CANDIDATES,
    engine: str = typer.Option("duckdb", "--engine", help=ENGINE_HELP),
    spark_master: str | None = typer.Option(None, "--spark-master", help=SPARK_MASTER_HELP),
) -> None:
    """Why a request was decided as it was: the request beside each candidate, field by
    field, with each comparison's level, its weight, and the rule that decided.

    Internal: shows decision codes and masked taxpayer data; never send it to a requester.
    """
    explanation = _explain(
        decisions_path(out_dir, batch),
        request_id,
        manifest=manifest,
        master=master,
        model=model,
        candidates=candidates,
        choice=EngineChoice(engine, spark_master),
    )
    console.print(render_explanation(explanation))


@review_app.command("list")
@handle_errors
def list_(
    batch: str | None = typer.Option(None, "--batch", help="Only batches of this id."),
    agency: str | None = typer.Option(None, "--agency", help="Only this agency's batches."),
    status: str | None = typer.Option(
        None, "--status", help="Only cases open, approved or refused."
    ),
) -> None:
    """The review cases, in the order queued."""
    cases = list_cases(open_store(load_settings()), batch_id=batch, agency=agency, status=status)
    table = Table(title=f"{len(cases)} review case(s)")
    for column in ("case", "agency", "batch", "request", "probability", "status", "by", "released"):
        table.add_column(column)
    for c in cases:
        table.add_row(
            str(c.case_id),
            c.agency,
            c.batch_id,
            c.request_id,
            f"{c.match_probability:.6f}",
            c.status,
            c.decided_by or "",
            f"supplement {c.release_number}" if c.release_number else "",
        )
    console.print(table)


@review_app.command("show")
@handle_errors
def show(
    case: int = typer.Argument(..., help="Case number (from `ivs review list`)."),
    manifest: Path | None = _MANIFEST,
    master: Path | None = _MASTER,
    model: Path | None = _MODEL,
    candidates: int = _CANDIDATES,
) -> None:
    """A case: its status and the explanation of its record."""
    found = get_case(open_store(load_settings()), case)
    state = f"case {found.case_id}: {found.status}"
    if found.decided_by:
        state += f" by {found.decided_by} at {found.decided_at}: {found.reason}"
    console.print(state)
    console.print(
        render_explanation(
            _explain(
                found.decisions_path,
                found.request_id,
                manifest=manifest,
                master=master,
                model=model,
                candidates=candidates,
            )
        )
    )


@review_app.command("decide")
@handle_errors
def decide(
    case: int = typer.Argument(..., help="Case number (from `ivs review list`)."),
    approve: bool = typer.Option(False, "--approve", help="Disclose the last known address."),
    refuse: bool = typer.Option(False, "--refuse", help="Do not disclose."),
    reason: str = typer.Option(..., "--reason", help="Why; recorded with the decision."),
    by: str | None = typer.Option(None, "--by", help="Reviewer (default: the OS user)."),
) -> None:
    """Approve or refuse a case, once, with a reason."""
    if approve == refuse:
        raise typer.BadParameter("give exactly one of --approve and --refuse")
    ledger = open_ledger(load_settings())
    decision = decide_case(
        ledger.store,
        case,
        approve=approve,
        reason=reason,
        decided_by=_reviewer(by),
        now=datetime.now(UTC),
        ledger=ReviewAccounting(ledger),
    )
    console.print(
        f"case {decision.case_id} ({decision.batch_id} {decision.request_id}) "
        f"{decision.decision} by {decision.decided_by}: {decision.outcome} in the next "
        f"supplement (`ivs review release {decision.batch_id} --agency {decision.agency}`)"
    )


@review_app.command("release")
@handle_errors
def release(
    batch_id: str = typer.Argument(..., help="The batch whose decided cases to release."),
    out: Path = typer.Option(..., "--out", help="Folder for the supplement package."),
    agency: str | None = _AGENCY,
    master: Path | None = _MASTER,
    by: str | None = typer.Option(None, "--by", help="Who releases (default: the OS user)."),
) -> None:
    """Write BATCH_ID.supplement-N.package.zip with the cases decided since the last one."""
    ledger = open_ledger(load_settings())
    store = ledger.store
    with store.connect() as conn:
        key = find_batch(conn, batch_id, agency)
    queued = list_cases(store, batch_id=batch_id, agency=key.agency)
    if not queued:
        raise typer.BadParameter(f"batch {key} has no review cases", param_hint="BATCH_ID")
    decisions = queued[0].decisions_path
    inputs = read_inputs(decisions.parent, batch_id)
    claim_answer_folder(out, key)
    done = release_batch(
        store,
        key,
        out,
        index=locate_index(inputs, _index_from(master)),
        released_by=_reviewer(by),
        now=datetime.now(UTC),
        ledger=ReviewAccounting(ledger),
    )
    console.print(
        f"supplement {done.number} of {key}: {done.disclosed} disclosed, "
        f"{done.not_disclosed} not disclosed -> {done.path}"
    )


def register(app: typer.Typer) -> None:
    app.command()(explain)
    app.add_typer(review_app, name="review")
