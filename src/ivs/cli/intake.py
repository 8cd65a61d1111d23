"""``ivs validate``: intake alone, a requester's pre-flight check of a batch."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import typer
from rich.table import Table

from ivs.batch.intake_step import IntakeOutcome, intake_batch
from ivs.cli.common import console, err_console, handle_errors
from ivs.domain.codes import REJECTION_CODES
from ivs.domain.errors import BatchQuarantined
from ivs.domain.ids import path_for_id
from ivs.domain.settings import load_settings
from ivs.formats.signers import read_signers
from ivs.formats.spreadsheet import spreadsheet_csv
from ivs.store import open_store, pilot_history

__all__ = ["register", "verdict_table"]

EXAMPLES = 3


def verdict_table(outcome: IntakeOutcome) -> Table:
    """Counts by reason code, with the meaning and the first few rows that earned it."""
    table = Table(title="Rejected records by reason", show_lines=False)
    table.add_column("code", style="bold")
    table.add_column("records", justify="right")
    table.add_column("meaning")
    table.add_column("examples (request_id @ row)")
    verdicts = outcome.verdicts
    for code, count in outcome.counts.items():
        hits = verdicts.filter(pc.equal(verdicts.column("rejection_code"), code)).slice(0, EXAMPLES)
        examples = ", ".join(
            f"{rid or '(none)'} @ {row}"
            for rid, row in zip(
                hits.column("request_id").to_pylist(), hits.column("_row").to_pylist(), strict=True
            )
        )
        table.add_row(code, f"{count:,}", REJECTION_CODES[code].meaning, examples)
    return table


def write_verdicts(outcome: IntakeOutcome, out_dir: Path) -> Path:
    """Per-record verdicts as CSV: request_id, row, verdict, primary code, all codes, and the
    optional fields set aside (advisories); written for people, so formula-like cells (a
    request_id of ``=cmd|...``) are neutralised."""
    out_dir.mkdir(parents=True, exist_ok=True)
    v = outcome.verdicts
    verdict = pc.if_else(pc.is_null(v.column("rejection_code")), "ACCEPTED", "REJECTED")
    table = pa.table(
        {
            "request_id": v.column("request_id"),
            "row": pc.cast(v.column("_row"), pa.string()),
            "verdict": verdict,
            "rejection_code": v.column("rejection_code"),
            "rejection_codes": v.column("rejection_codes"),
            "advisories": v.column("advisories"),
        }
    )
    path = path_for_id(out_dir, outcome.manifest.batch_id, ".verdicts.csv")
    path.write_bytes(spreadsheet_csv(table))
    return path


@handle_errors
def validate(
    manifest: Path = typer.Argument(..., help="The batch's NAME.manifest.json."),
    signers: Path = typer.Option(..., "--signers", help="Signer roster (signers.json)."),
    out: Path | None = typer.Option(
        None, "--out", help="Write per-record verdicts to DIR/BATCH_ID.verdicts.csv."
    ),
) -> None:
    """Check a batch as intake would, without matching or disclosing anything.

    Prints the batch verdict and rejected records counted by reason code with example
    rows. Exit 0 when the batch is acceptable as a whole; 4 when it is refused (every
    problem listed); 5 when too many records are deficient and it would be held.
    """
    settings = load_settings()
    roster = read_signers(signers)
    pilot = pilot_history(open_store(settings))
    with err_console.status("checking batch") as status:
        outcome = intake_batch(
            manifest,
            roster,
            settings,
            pilot,
            now=datetime.now(UTC),
            step=status.update,
        )
    m = outcome.manifest
    console.print(
        f"batch [bold]{m.batch_id}[/] from {m.requesting_agency}, signed by {m.signer_name} "
        f"({m.signer_key_id}): {outcome.records.num_rows:,} records, "
        f"{outcome.accepted:,} accepted, {outcome.rejected:,} rejected"
    )
    if outcome.counts:
        console.print(verdict_table(outcome))
    if out is not None:
        console.print(f"per-record verdicts: {write_verdicts(outcome, out)}")
    if outcome.quarantine_reason:
        raise BatchQuarantined(m.batch_id, outcome.quarantine_reason)
    console.print("[green]the batch is acceptable as a whole[/]")


def register(app: typer.Typer) -> None:
    app.command()(validate)
