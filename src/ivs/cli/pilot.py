"""``ivs pilot``: the jurisdictions the program is enabled in, staged over time."""

from __future__ import annotations

import getpass
import re
from datetime import UTC, date, datetime

import typer
from rich.table import Table

from ivs.cli.common import console, handle_errors
from ivs.disclose.pilot import change_pilot
from ivs.domain.errors import ConfigError
from ivs.domain.pilot import PilotChange, pilot_in_force
from ivs.domain.settings import load_settings
from ivs.ledger.keys import open_ledger
from ivs.store import open_store, pilot_history

__all__ = ["register"]

pilot_app = typer.Typer(
    help="Pilot staging: which states (or ZIP3 areas) requests are answered for. "
    "With no pilot configured, every jurisdiction is enabled.",
    no_args_is_help=True,
)


def _change(action: str, state: str, zip3: str | None, effective: str | None) -> PilotChange:
    state = state.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", state):
        raise ConfigError(f"--state must be a two-letter USPS code, got {state!r}")
    if zip3 is not None and not re.fullmatch(r"\d{3}", zip3):
        raise ConfigError(f"--zip3 must be three digits, got {zip3!r}")
    try:
        day = date.fromisoformat(effective) if effective else datetime.now(UTC).date()
    except ValueError as e:
        raise ConfigError(f"--effective must be a date YYYY-MM-DD, got {effective!r}") from e
    return PilotChange(action, state, zip3, day)


def _record(change: PilotChange) -> int:
    """Store the change and put it on the ledger, in one transaction."""
    return change_pilot(open_ledger(load_settings()), change, getpass.getuser())


@pilot_app.command("show")
@handle_errors
def show(
    on: str | None = typer.Option(
        None, "--on", help="Show the pilot in force on DATE (default today)."
    ),
) -> None:
    """The jurisdictions in force, and the history of changes."""
    engine = open_store(load_settings())
    history = pilot_history(engine)
    day = date.fromisoformat(on) if on else datetime.now(UTC).date()
    in_force = pilot_in_force(history, day)
    if in_force is None:
        console.print("no pilot configured: requests are answered in every jurisdiction")
        return
    table = Table(title=f"Pilot jurisdictions in force on {day.isoformat()}")
    table.add_column("state")
    table.add_column("ZIP3")
    table.add_column("since")
    for place in in_force:
        table.add_row(place.state, place.zip3 or "(all)", place.since.isoformat())
    console.print(table if in_force else "a pilot is configured but no jurisdiction is enabled")
    console.print(f"{len(history)} change(s) on record")


@pilot_app.command("enable")
@handle_errors
def enable(
    state: str = typer.Option(..., "--state", help="USPS state code, e.g. TX."),
    zip3: str | None = typer.Option(None, "--zip3", help="Only this ZIP3 prefix of the state."),
    effective: str | None = typer.Option(None, "--effective", help="From DATE (default today)."),
) -> None:
    """Enable a state, or one ZIP3 area of it, from a date."""
    change = _change("enable", state, zip3, effective)
    change_id = _record(change)
    console.print(
        f"change {change_id}: enabled {change.state} {change.zip3 or ''} from {change.effective}"
    )


@pilot_app.command("disable")
@handle_errors
def disable(
    state: str = typer.Option(..., "--state", help="USPS state code."),
    zip3: str | None = typer.Option(None, "--zip3", help="Only this ZIP3 prefix."),
    effective: str | None = typer.Option(None, "--effective", help="From DATE (default today)."),
) -> None:
    """Disable a state (with all its ZIP3 areas), or one ZIP3 area, from a date."""
    change = _change("disable", state, zip3, effective)
    change_id = _record(change)
    console.print(
        f"change {change_id}: disabled {change.state} {change.zip3 or ''} from {change.effective}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(pilot_app, name="pilot")
