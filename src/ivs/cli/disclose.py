"""``ivs hold``, ``ivs recall``, ``ivs agency``, ``ivs purge`` and ``ivs accounting``: the
controls around disclosure, each change on the ledger."""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime
from pathlib import Path

import typer
from rich.table import Table

from ivs.batch.retention import purge_working_data
from ivs.cli.common import console, handle_errors
from ivs.disclose.holds import lift_hold, list_holds, place_hold
from ivs.disclose.recall import (
    certify_destruction,
    disclosures_in_scope,
    issue_recall,
    list_notices,
    recall_scope,
)
from ivs.disclose.safeguards import agency_status, all_agency_statuses, set_agency_status
from ivs.domain.errors import ConfigError
from ivs.domain.settings import load_settings
from ivs.ledger.accounting import accounting_for_tin, annual_totals
from ivs.ledger.entries import instant
from ivs.ledger.keys import open_ledger
from ivs.store import find_batch

__all__ = ["register"]

hold_app = typer.Typer(
    help="Court holds: while one is in force, no record in its scope is disclosed.",
    no_args_is_help=True,
)
recall_app = typer.Typer(
    help="Recall disclosures already made: notices to recipients, certifications, incidents.",
)
agency_app = typer.Typer(
    help="Recipient agencies' safeguard review status (the gate on response files).",
    no_args_is_help=True,
)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise ConfigError(f"{option} must be a date YYYY-MM-DD, got {value!r}") from e


def _instant_option(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise ConfigError(
            f"--effective must be a date or time (2025-07-01 or 2025-07-01T09:00Z), got {value!r}"
        ) from e
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@hold_app.command("add")
@handle_errors
def hold_add(
    scope: str = typer.Option(..., "--scope", help="all | agency:CODE | batch:ID | state:ST"),
    order: str = typer.Option(..., "--order", help='The order: "court, case number, date".'),
    effective: str | None = typer.Option(
        None, "--effective", help="In force from this date or time (default now)."
    ),
) -> None:
    """Place a hold. Records in scope are not disclosed from the moment it is in force, also
    in a batch already running."""
    ledger = open_ledger(load_settings())
    hold = place_hold(
        ledger.store,
        ledger,
        scope=scope,
        order=order,
        placed_by=getpass.getuser(),
        effective=_instant_option(effective),
    )
    console.print(f"hold {hold.hold_id} placed: {hold.scope}, in force from {hold.effective_at}")


@hold_app.command("list")
@handle_errors
def hold_list(
    all_holds: bool = typer.Option(False, "--all", help="Also holds that were lifted."),
) -> None:
    """Holds in force (or every hold, with --all)."""
    ledger = open_ledger(load_settings())
    now = instant(datetime.now(UTC))
    with ledger.store.connect() as conn:
        holds = [h for h in list_holds(conn) if all_holds or h.lifted_at is None]
    if not holds:
        console.print("no holds" if all_holds else "no hold in force or pending")
        return
    table = Table(title="Court holds")
    for column in ("hold", "scope", "order", "from", "status"):
        table.add_column(column)
    for h in holds:
        if h.lifted_at is not None:
            status = f"lifted {h.lifted_at} ({h.lift_order})"
        else:
            status = "in force" if h.in_force(now) else "pending"
        table.add_row(h.hold_id, str(h.scope), h.order, h.effective_at, status)
    console.print(table)


@hold_app.command("lift")
@handle_errors
def hold_lift(
    hold_id: str = typer.Argument(..., help="The hold, e.g. H-2025-0001."),
    order: str = typer.Option(..., "--order", help="The order that lifts it."),
) -> None:
    """Lift a hold under the order that lifts it."""
    ledger = open_ledger(load_settings())
    hold = lift_hold(ledger.store, ledger, hold_id, order=order, lifted_by=getpass.getuser())
    console.print(f"hold {hold.hold_id} lifted at {hold.lifted_at}")


@recall_app.callback(invoke_without_command=True)
@handle_errors
def recall(
    ctx: typer.Context,
    hold_id: str | None = typer.Option(None, "--hold", help="Disclosures in a hold's scope."),
    where: str | None = typer.Option(
        None, "--where", help="rule_set=HASH (a rule set found wrong)."
    ),
    batch_id: str | None = typer.Option(None, "--batch", help="Disclosures of one batch."),
    agency: str | None = typer.Option(
        None,
        "--agency",
        help="With --batch: the batch's requesting agency, when agencies used the same id.",
    ),
    since: str | None = typer.Option(None, "--since", help="Disclosures since DATE."),
    order: str | None = typer.Option(
        None, "--order", help="The order or finding the recall rests on."
    ),
    out: Path = typer.Option(Path("recalls"), "--out", help="Folder for notices and reports."),
    incident: bool = typer.Option(
        False,
        "--incident",
        help="The disclosures may have been unauthorized: also write the "
        "incident report owed to the Inspector General and the Office of Safeguards.",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what is in scope; issue nothing."),
) -> None:
    """List the disclosures in scope and issue a recall notice to each recipient agency."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    ledger = open_ledger(settings)
    with ledger.store.connect() as conn:
        key = None if batch_id is None else find_batch(conn, batch_id, agency)
        scope = recall_scope(
            conn, hold_id=hold_id, where=where, batch=key, since=_day(since, "--since")
        )
        found = disclosures_in_scope(conn, scope)
    console.print(f"{len(found):,} disclosure(s) in scope: {scope.description}")
    for record in found[:20]:
        console.print(
            f"  entry {record.disclosure_entry}  {record.agency}  {record.batch_id}  "
            f"{record.request_id}  {record.decided_at}"
        )
    if len(found) > 20:
        console.print(f"  … and {len(found) - 20:,} more (all are listed in the notices)")
    if dry_run or not found:
        return
    if not order:
        raise ConfigError("issuing a recall needs --order (the order or finding it rests on)")
    notices = issue_recall(
        ledger.store,
        ledger,
        scope,
        order=order,
        out_dir=out,
        issued_by=getpass.getuser(),
        certify_days=settings.recall_certification_days,
        incident=incident,
    )
    for n in notices:
        console.print(
            f"notice {n.notice_id} to {n.recipient_agency}: {n.disclosures:,} records, "
            f"certify destruction by {n.certify_by}: {n.path}"
        )
        if n.incident_id:
            console.print(
                f"  incident report {n.incident_id}: {n.incident_path} (due within 24 hours)"
            )


@recall_app.command("certify")
@handle_errors
def recall_certify(
    notice_id: str = typer.Argument(..., help="The notice, e.g. RN-2025-0001."),
    by: str = typer.Option(..., "--by", help="Who certified, for the recipient."),
    on: str = typer.Option(..., "--date", help="Date of the certification (YYYY-MM-DD)."),
) -> None:
    """Record the recipient's certification that the recalled records were destroyed."""
    ledger = open_ledger(load_settings())
    day = _day(on, "--date")
    assert day is not None
    notice = certify_destruction(ledger.store, ledger, notice_id, by=by, on=day)
    console.print(f"notice {notice.notice_id}: destruction certified by {by} on {day}")


@recall_app.command("list")
@handle_errors
def recall_list() -> None:
    """Every recall notice, with overdue certifications marked."""
    ledger = open_ledger(load_settings())
    with ledger.store.connect() as conn:
        notices = list_notices(conn)
    today = datetime.now(UTC).date().isoformat()
    table = Table(title="Recall notices")
    for column in ("notice", "to", "records", "certify by", "status", "incident"):
        table.add_column(column)
    overdue = 0
    for n in notices:
        if n.certified_on:
            status = f"certified {n.certified_on} by {n.certified_by}"
        elif n.certify_by < today:
            status, overdue = "[bold red]OVERDUE[/]", overdue + 1
        else:
            status = "awaiting certification"
        table.add_row(
            n.notice_id,
            n.recipient_agency,
            f"{n.disclosures:,}",
            n.certify_by,
            status,
            n.incident_id or "",
        )
    console.print(table if notices else "no recall notices")
    if overdue:
        console.print(f"[bold red]{overdue} certification(s) overdue[/]")


@agency_app.command("status")
@handle_errors
def agency_status_command(
    agency: str | None = typer.Argument(None, help="Agency code; all recorded if omitted."),
    open_findings: int | None = typer.Option(
        None, "--open-findings", help="Record a review: number of open findings."
    ),
    plan_dated: str | None = typer.Option(
        None, "--plan-dated", help="Date of the corrective action plan (YYYY-MM-DD)."
    ),
    note: str = typer.Option("", "--note", help="What the review found or cleared."),
) -> None:
    """Show an agency's safeguard status, or record a review with --open-findings."""
    ledger = open_ledger(load_settings())
    if open_findings is not None:
        if agency is None:
            raise ConfigError("recording a review needs the agency code")
        status = set_agency_status(
            ledger.store,
            ledger,
            agency,
            open_findings=open_findings,
            corrective_plan_dated=_day(plan_dated, "--plan-dated"),
            note=note,
            changed_by=getpass.getuser(),
        )
        statuses = [status]
    else:
        with ledger.store.connect() as conn:
            statuses = [agency_status(conn, agency)] if agency else all_agency_statuses(conn)
    if not statuses:
        console.print("no safeguard reviews recorded: every agency may receive responses")
        return
    table = Table(title="Recipient safeguards")
    for column in ("agency", "open findings", "corrective plan", "responses", "note"):
        table.add_column(column)
    for s in statuses:
        table.add_row(
            s.agency,
            str(s.open_findings),
            s.corrective_plan_dated or "",
            "released" if s.cleared else "[bold red]withheld[/]",
            s.note,
        )
    console.print(table)


@handle_errors
def purge(
    older_than: int | None = typer.Option(
        None, "--older-than", help="Days (default: the retention_days setting)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be purged."),
) -> None:
    """Destroy working data and response files past retention (the ledger is kept)."""
    settings = load_settings()
    result = purge_working_data(
        settings,
        open_ledger(settings),
        older_than_days=older_than,
        purged_by=getpass.getuser(),
        dry_run=dry_run,
    )
    verb = "would purge" if dry_run else "purged"
    console.print(
        f"{verb} {result.files} file(s) or folder(s) of {len(result.batches)} "
        f"batch(es) finished by {result.cutoff}"
    )
    if result.skipped:
        # Printed escaped: such an id may hold anything, control characters included.
        ids = ", ".join(repr(batch_id) for batch_id in result.skipped[:10])
        more = f" and {len(result.skipped) - 10} more" if len(result.skipped) > 10 else ""
        console.print(
            f"left alone: {len(result.skipped)} batch(es) stored under an id that is not a "
            f"valid identifier ({ids}{more}); no path is derived from such an id, so their "
            "working data was not touched: remove it by hand (docs/ledger.md, Retention)",
            markup=False,
        )


@handle_errors
def accounting(
    tin: str | None = typer.Option(None, "--tin", help="Every request about this taxpayer."),
    year: int | None = typer.Option(None, "--year", help="Totals for the annual report."),
) -> None:
    """The accounting of 6103(p)(3): by taxpayer, or a year's totals."""
    if (tin is None) == (year is None):
        raise ConfigError("give exactly one of --tin or --year")
    ledger = open_ledger(load_settings())
    with ledger.store.connect() as conn:
        if tin is not None:
            lines = accounting_for_tin(conn, tin.replace("-", "").strip())
            table = Table(title=f"Accounting for TIN ***-**-{tin[-4:]}: {len(lines)} request(s)")
            for column in (
                "decided",
                "agency",
                "statute",
                "batch",
                "request",
                "outcome",
                "code",
                "entries",
                "recipients",
            ):
                table.add_column(column)
            for x in lines:
                entries = str(x.decision_entry) + (
                    f", {x.disclosure_entry}" if x.disclosure_entry is not None else ""
                )
                table.add_row(
                    x.decided_at,
                    x.requesting_agency,
                    x.statute or "",
                    x.batch_id,
                    x.request_id,
                    x.outcome,
                    x.code,
                    entries,
                    "; ".join(x.recipients),
                )
            console.print(table)
            return
        assert year is not None
        totals = annual_totals(conn, year)
    table = Table(title=f"Requests and disclosures in {year}")
    for column in (
        "requesting agency",
        "statute",
        "requests",
        "disclosed",
        "not disclosed",
        "rejected",
    ):
        table.add_column(column, justify="right" if column[0] in "rdn" else "left")
    for t in totals:
        table.add_row(
            t.requesting_agency,
            t.statute,
            f"{t.requests:,}",
            f"{t.disclosed:,}",
            f"{t.not_disclosed:,}",
            f"{t.rejected:,}",
        )
    console.print(table if totals else f"no requests decided in {year}")


def register(app: typer.Typer) -> None:
    app.command()(purge)
    app.command()(accounting)
    app.add_typer(hold_app, name="hold")
    app.add_typer(recall_app, name="recall")
    app.add_typer(agency_app, name="agency")
