"""``ivs report``: oversight reports computed from the accounting ledger alone."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ivs.cli.common import console, err_console, handle_errors
from ivs.domain.errors import ConfigError
from ivs.domain.settings import load_settings
from ivs.ledger.keys import open_ledger
from ivs.report import Report, annual_report, batch_report, period_report, render_html
from ivs.report.build import ANNUAL_COLUMNS

__all__ = ["register", "write_report"]

report_app = typer.Typer(
    help="Oversight reports from the accounting ledger alone: one batch, a period week by "
    "week, or the annual table for the Joint Committee on Taxation. Self-contained HTML "
    "(charts inline, no network, printable); each states the ledger size and root it was "
    "computed from.",
    no_args_is_help=True,
)

_OUT = typer.Option(..., "--out", help="Write the HTML report here.", dir_okay=False)


def write_report(report: Report, out: Path) -> Path:
    """Write ``report`` as HTML to ``out`` (atomically); returns the path."""
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(render_html(report), encoding="utf-8")
    partial.replace(out)
    return out


def _day(text: str, option: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as e:
        raise ConfigError(f"{option} {text!r} is not a date: write it as YYYY-MM-DD") from e


def _wrote(report: Report, out: Path) -> None:
    write_report(report, out)
    console.print(
        f"wrote {out} (from {report.basis.size:,} ledger entries, root {report.basis.root})"
    )


@report_app.command("batch")
@handle_errors
def batch(
    batch_id: str = typer.Argument(..., help="The batch's batch_id."),
    out: Path = _OUT,
    agency: str | None = typer.Option(
        None,
        "--agency",
        help="The batch's requesting agency, when agencies used the same batch id (each "
        "agency's ids are its own).",
    ),
) -> None:
    """One batch, from its entries on the ledger.

    Outcomes by reason with their statutory basis, match scores against the thresholds,
    review, holds and recalls, outcomes by state and pilot jurisdiction, and what the 2025
    TIN-only rule would have disclosed.
    """
    settings = load_settings()
    _wrote(batch_report(open_ledger(settings), batch_id, settings, agency=agency), out)


@report_app.command("period")
@handle_errors
def period(
    start: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD, UTC), included."),
    end: str = typer.Option(..., "--to", help="Last day (YYYY-MM-DD, UTC), included."),
    out: Path = _OUT,
) -> None:
    """Everything recorded from one day to another, week by week.

    Requests, disclosures, refusals, recalls and incidents per week, and the batch report's
    sections over the period.
    """
    settings = load_settings()
    first, last = _day(start, "--from"), _day(end, "--to")
    _wrote(period_report(open_ledger(settings), first, last, settings), out)


@report_app.command("annual")
@handle_errors
def annual(
    year: int = typer.Option(..., "--year", help="Calendar year (UTC)."),
    out: Path | None = typer.Option(
        None, "--out", help="Also write the HTML report here.", dir_okay=False
    ),
) -> None:
    """The annual table for the Joint Committee on Taxation.

    Requests and disclosures by requesting agency and statute, printed here (and written as
    HTML with --out).
    """
    report, rows = annual_report(open_ledger(load_settings()), year)
    table = Table(title=f"Requests and disclosures, {year}")
    for k, name in enumerate(ANNUAL_COLUMNS):
        table.add_column(name, justify="left" if k < 2 else "right")
    for row in rows:
        table.add_row(
            row.agency,
            row.statute,
            *(
                f"{value:,}"
                for value in (
                    row.batches,
                    row.requests_received,
                    row.requests_decided,
                    row.disclosed,
                    row.not_disclosed,
                    row.rejected,
                    row.disclosures,
                    row.taxpayers,
                )
            ),
        )
    # Piped to a file or another program, the table keeps one line per row.
    out_console = console if console.is_terminal else Console(file=sys.stdout, width=200)
    out_console.print(table)
    if not rows:
        err_console.print(f"nothing recorded in {year}")
    console.print(f"ledger: {report.basis.size:,} entries, root {report.basis.root}")
    if out is not None:
        _wrote(report, out)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
