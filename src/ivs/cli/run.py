"""``ivs index``, ``ivs run`` and ``ivs model train``: the main job.

Each command imports the stages it calls when it runs: ``ivs run --help``, or a command
line with a mistake, is answered without the second of imports (standardization tables,
pandas through pyarrow, SQLAlchemy) that running a batch needs.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from ivs.cli.common import ENGINE_HELP, SPARK_MASTER_HELP, console, err_console, handle_errors
from ivs.domain.settings import load_settings
from ivs.engines.base import EngineChoice

if TYPE_CHECKING:
    from ivs.batch.index_step import IndexInfo
    from ivs.batch.run import RunResult

__all__ = ["print_run_summary", "register"]

model_app = typer.Typer(help="The match model: estimate its parameters.", no_args_is_help=True)


def print_run_summary(result: RunResult) -> None:
    """Outcomes, codes, stage times and the files written."""
    total = sum(result.outcomes.values())
    table = Table(title=f"Batch {result.batch_id}: {total:,} records")
    table.add_column("outcome")
    table.add_column("records", justify="right")
    for outcome in ("DISCLOSED", "NOT_DISCLOSED", "REJECTED"):
        table.add_row(outcome, f"{result.outcomes.get(outcome, 0):,}")
    console.print(table)
    codes = Table(title="Decisions by internal code (never sent to the requester)")
    codes.add_column("code")
    codes.add_column("records", justify="right")
    for code, count in sorted(result.codes.items(), key=lambda kv: -kv[1]):
        codes.add_row(code, f"{count:,}")
    console.print(codes)
    if result.pair_counts:
        console.print(
            "candidate pairs by blocking rule: "
            + ", ".join(f"{k} {v:,}" for k, v in result.pair_counts.items())
        )
    if result.blocking_recall is not None:
        console.print(
            "blocking recall on TIN-verified pairs whose name and address match "
            f"(found without the TIN rule): "
            f"{result.blocking_recall:.2%}"
        )
    console.print("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in result.stage_seconds.items()))
    if result.index is not None:
        _print_set_aside(result.index)  # as `ivs index` prints it: the master as matched
    if result.repeated:
        console.print("this batch was already processed: the recorded decisions were reused")
    console.print(f"rule set {result.rule_set[:16]}")
    if result.withheld and result.withheld_because:
        err_console.print(f"[bold red]response held:[/] {result.withheld_because}")
    elif result.withheld:
        err_console.print(
            "[bold red]response withheld:[/] the requesting agency's safeguard review has open "
            "findings without a dated corrective action plan (`ivs agency status`). Every "
            "decision is on the record; run this batch again once the agency is cleared."
        )
    if result.response.is_file():
        console.print(f"response package: {result.response} (check it: ivs package verify)")
    if result.plaintext is not None:
        err_console.print(
            f"[bold]plaintext response written, by the operator's choice (on the ledger):[/] "
            f"{result.plaintext}"
        )
    console.print(f"decisions: {result.decisions}")


def _print_set_aside(info: IndexInfo) -> None:
    """What the master's hygiene set aside: counts, and each kind of defect with examples."""
    aside = info.set_aside
    if not info.defects:
        console.print("no defective rows in the master file")
        return
    console.print(
        f"set aside: {aside.get('taxpayers', 0):,} taxpayer row(s), "
        f"{aside.get('addresses', 0):,} address row(s); {aside.get('withheld', 0):,} "
        "taxpayer(s) withheld from disclosure (a person set aside may be confused with them); "
        "every "
        f"defect in {info.defects_report}",
        markup=False,
    )
    for d in info.defects:
        examples = ", ".join(str(r) for r in d["examples"])  # type: ignore[attr-defined]
        console.print(
            f"  {d['file']}, field {d['field']}: {d['problem']} ({d['action']}): "
            f"{d['rows']:,} row(s), e.g. row {examples}",
            markup=False,
        )


@handle_errors
def index(
    master: Path = typer.Argument(..., help="Master folder (taxpayers, addresses, restrictions)."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild even if up to date."),
    engine: str = typer.Option("duckdb", "--engine", help=ENGINE_HELP),
    spark_master: str | None = typer.Option(None, "--spark-master", help=SPARK_MASTER_HELP),
) -> None:
    """Standardize the master file and build what matching needs, once per snapshot.

    The index lives under $IVS_HOME/index and is rebuilt automatically when the master
    files change; `ivs run` builds it when missing.
    """
    from ivs.batch.index_step import build_index, ensure_index

    choice = EngineChoice(engine, spark_master)
    settings = load_settings()
    with err_console.status("indexing") as status:
        build = build_index if rebuild else ensure_index
        info = build(master, settings, step=status.update, engine_choice=choice)
    console.print(
        f"index {info.folder}: {info.taxpayers:,} taxpayers, {info.addresses:,} addresses of "
        f"record ({info.address_forms:,} distinct), {info.restrictions:,} restrictions; "
        f"built in {info.seconds:.1f}s"
    )
    _print_set_aside(info)


@handle_errors
def run(
    manifest: Path = typer.Argument(..., help="The batch's NAME.manifest.json."),
    master: Path = typer.Option(..., "--master", help="Master folder."),
    out: Path = typer.Option(..., "--out", help="Folder for the response and decisions."),
    signers: Path | None = typer.Option(
        None,
        "--signers",
        help="Signer roster (signers.json); default: the roster stored by `ivs signers import`.",
    ),
    model: Path | None = typer.Option(None, "--model", help="Match model JSON (default: shipped)."),
    engine: str = typer.Option("duckdb", "--engine", help=ENGINE_HELP),
    spark_master: str | None = typer.Option(None, "--spark-master", help=SPARK_MASTER_HELP),
    plaintext_response: bool = typer.Option(
        False,
        "--plaintext-response",
        help="Also write OUT/BATCH_ID.response.csv in plaintext (recorded on the ledger, "
        "with who chose it). Only where the recipients cannot take a package.",
    ),
) -> None:
    """Run a batch end to end: intake, matching, decision, ledger, response package.

    Writes OUT/BATCH_ID.package.zip (for the requester: the response encrypted to the
    recipients the manifest names, signed by the agency's ledger key) and
    OUT/BATCH_ID.decisions.parquet (internal, without addresses). Every decision and
    disclosure is on the ledger before the response is written; interrupted, the same
    command resumes; repeated, it answers from the record. Exits non-zero, writing no
    response, when the batch fails as a whole (4), is quarantined (5), or its response is
    withheld (8): by the safeguards gate, or because no recipient has a registered key
    (`ivs recipients import`).
    """
    from ivs.batch.roster import stored_roster
    from ivs.batch.run import run_batch
    from ivs.formats.signers import read_signers
    from ivs.store import open_store

    choice = EngineChoice(engine, spark_master)
    settings = load_settings()
    roster = read_signers(signers) if signers else stored_roster(open_store(settings))
    with err_console.status("running batch") as status:
        result = run_batch(
            manifest,
            master,
            roster,
            settings,
            out,
            now=datetime.now(UTC),
            model_path=model,
            step=status.update,
            progress=lambda done, total: status.update(
                f"recording decisions on the ledger: {done:,} of {total:,}"
            ),
            engine_choice=choice,
            plaintext_response=plaintext_response,
            operator=getpass.getuser(),
        )
    print_run_summary(result)
    if result.withheld:
        raise typer.Exit(code=8)


@model_app.command("train")
@handle_errors
def train(
    manifest: Path = typer.Argument(..., help="A batch whose TIN-carrying requests label m."),
    master: Path = typer.Option(..., "--master", help="Master folder."),
    signers: Path = typer.Option(..., "--signers", help="Signer roster (signers.json)."),
    out: Path = typer.Option(..., "--out", help="Where to write the model JSON."),
    reviews: bool = typer.Option(
        True, "--reviews/--no-reviews", help="Use reviewers' decisions on this batch as labels."
    ),
) -> None:
    """Estimate m (from TIN-verified pairs and reviewers' decisions) and u (from random
    pairs); write versioned JSON."""
    from ivs.batch.training import train_from_batch
    from ivs.formats.signers import read_signers

    settings = load_settings()
    with err_console.status("training") as status:
        model = train_from_batch(
            manifest,
            master,
            read_signers(signers),
            settings,
            now=datetime.now(UTC),
            step=status.update,
            with_reviews=reviews,
        )
    out.write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")
    console.print(f"model {model.digest[:16]} written to {out}")
    for name, levels in model.levels.items():
        console.print(
            f"  {name}: " + ", ".join(f"{label} {lw.weight:+.2f}" for label, lw in levels.items())
        )


@handle_errors
def simulate(
    manifest: Path = typer.Argument(..., help="The batch's NAME.manifest.json."),
    master: Path = typer.Option(..., "--master", help="Master folder."),
    signers: Path = typer.Option(..., "--signers", help="Signer roster (signers.json)."),
    policy: str = typer.Option(
        "lawful", "--policy", help="lawful, tin-only (the 2025 rule) or name-only."
    ),
    truth: Path | None = typer.Option(
        None, "--truth", help="truth.parquet from ivs synth: score the policy against it."
    ),
    engine: str = typer.Option("duckdb", "--engine", help=ENGINE_HELP),
    spark_master: str | None = typer.Option(None, "--spark-master", help=SPARK_MASTER_HELP),
) -> None:
    """Run matching under a named policy without disclosing or recording anything.

    tin-only reproduces the 2025 process: the last known address is disclosed whenever the
    request's name and TIN match, whatever its address says. With --truth, reports
    wrong-person disclosures and disclosures on deficient or otherwise unlawful requests.
    """
    from ivs.batch.simulate import simulate as run_simulation
    from ivs.formats.signers import read_signers

    choice = EngineChoice(engine, spark_master)
    with err_console.status("simulating") as status:
        result = run_simulation(
            manifest,
            master,
            read_signers(signers),
            load_settings(),
            policy,
            now=datetime.now(UTC),
            truth=truth,
            step=status.update,
            engine_choice=choice,
        )
    console.print(
        f"policy {result.policy}: {result.disclosed:,} of {result.records:,} records would "
        "be disclosed"
    )
    if result.wrong_person is not None:
        console.print(
            f"  to the wrong person: {result.wrong_person:,}; on deficient requests: "
            f"{result.on_deficient:,}; where the lawful answer was not to disclose: "
            f"{result.unlawful:,}; lawfully matchable records found: {result.recalled:,} of "
            f"{result.lawfully_matchable:,}"
        )


def register(app: typer.Typer) -> None:
    app.command()(index)
    app.command()(run)
    app.command()(simulate)
    app.add_typer(model_app, name="model")
