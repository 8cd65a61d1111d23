"""``ivs serve``, ``ivs users`` and ``ivs signers``: the service, its users and the roster."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from ivs.batch.roster import import_roster, stored_roster
from ivs.cli.common import console, err_console, handle_errors
from ivs.domain.errors import ConfigError
from ivs.domain.settings import load_settings
from ivs.formats.signers import read_signers
from ivs.ledger.keys import open_ledger
from ivs.service.context import Limits, open_context
from ivs.service.users import Role, add_user, list_users, parse_expiry, revoke_user
from ivs.store import open_store

__all__ = ["register"]

users_app = typer.Typer(
    help="Service users: requesters, reviewers, auditors and administrators, with bearer tokens.",
    no_args_is_help=True,
)
signers_app = typer.Typer(
    help="The signer roster kept in the store (used by `ivs run` and the service).",
    no_args_is_help=True,
)

_ROLES = ", ".join(r.value for r in Role)


@users_app.command("add")
@handle_errors
def users_add(
    name: str = typer.Argument(..., help="The user's name (letters, digits, . _ -)."),
    role: str = typer.Option(..., "--role", help=f"One of: {_ROLES}."),
    agency: str | None = typer.Option(
        None, "--agency", help="Agency code, e.g. DHS-ICE (required for a requester)."
    ),
    expires: str | None = typer.Option(
        None,
        "--expires",
        help="When the token stops working: a number of days (90d), a day (2026-03-31, "
        "through its end, UTC) or an instant with a zone (2026-03-31T17:00:00Z).",
    ),
) -> None:
    """Add a user and print its bearer token, once: only its hash is kept."""
    settings = load_settings()
    now = datetime.now(UTC)
    user, token = add_user(
        open_store(settings),
        name,
        role,
        agency=agency,
        changed_by=getpass.getuser(),
        now=now,
        ledger=open_ledger(settings),
        expires_at=None if expires is None else parse_expiry(expires, now),
    )
    err_console.print(
        f"user {user.name} added as {user.role.value}"
        + (f" of {user.agency}" if user.agency else "")
        + (f", token valid until {user.expires_at}" if user.expires_at else "")
        + "; the token below is shown once and cannot be recovered:"
    )
    typer.echo(token)


@users_app.command("list")
@handle_errors
def users_list() -> None:
    """Every user with role, agency, token expiry and whether it is revoked (never a token)."""
    users = list_users(open_store(load_settings()))
    table = Table(title=f"{len(users)} user(s)")
    for column in ("name", "role", "agency", "added", "by", "expires", "revoked"):
        table.add_column(column)
    for u in users:
        table.add_row(
            u.name,
            u.role.value,
            u.agency or "",
            u.created_at,
            u.created_by,
            u.expires_at or "never",
            f"{u.revoked_at} by {u.revoked_by}" if u.revoked_at else "",
        )
    console.print(table)


@users_app.command("revoke")
@handle_errors
def users_revoke(name: str = typer.Argument(..., help="The user whose token to revoke.")) -> None:
    """Revoke a user's token for good (recorded on the ledger)."""
    settings = load_settings()
    user = revoke_user(
        open_store(settings),
        name,
        changed_by=getpass.getuser(),
        now=datetime.now(UTC),
        ledger=open_ledger(settings),
    )
    console.print(f"user {user.name} revoked at {user.revoked_at}")


@signers_app.command("import")
@handle_errors
def signers_import(
    roster: Path = typer.Argument(..., help="A signers.json (formats.md §1.3)."),
) -> None:
    """Make the file's roster the one in force; the change goes on the ledger."""
    settings = load_settings()
    signers = read_signers(roster)
    change = import_roster(
        open_store(settings),
        signers,
        changed_by=getpass.getuser(),
        now=datetime.now(UTC),
        ledger=open_ledger(settings),
    )
    if change.ledger_index is None:
        console.print(f"roster unchanged: {change.unchanged} signer(s), digest {change.digest}")
        return
    console.print(
        f"roster imported: {len(signers)} signer(s); added or changed: "
        f"{', '.join(change.added) or 'none'}; removed: {', '.join(change.removed) or 'none'}; "
        f"ledger entry {change.ledger_index}"
    )


@signers_app.command("list")
@handle_errors
def signers_list() -> None:
    """The signer roster in force."""
    roster = stored_roster(open_store(load_settings()))
    table = Table(title=f"{len(roster)} signer(s)")
    for column in ("key id", "agency", "name", "role", "valid"):
        table.add_column(column)
    for s in roster.values():
        until = s.valid_until.isoformat() if s.valid_until else "open"
        table.add_row(s.key_id, s.agency, s.name, s.role, f"{s.valid_from} to {until}")
    console.print(table)


@handle_errors
def serve(
    master: Path = typer.Option(..., "--master", help="Master folder batches are matched against."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    model: Path | None = typer.Option(None, "--model", help="Match model JSON (default: shipped)."),
    rate_limit: int = typer.Option(
        Limits().requests_per_minute,
        "--rate-limit",
        min=1,
        help="Requests a minute each token may send (429 beyond; bursts of a fifth of it).",
    ),
    batch_processes: bool = typer.Option(
        True,
        "--batch-processes/--batch-threads",
        help="Run each batch in a process of its own (default), or on a thread of the service.",
    ),
) -> None:
    """Run the service: the API (OpenAPI at /openapi.json) and the web pages.

    Needs `ivs init` (the ledger key and the store). Batches left running by a previous
    service are resumed when it starts. Put it behind a TLS-terminating proxy.
    """
    if not master.is_dir():
        raise ConfigError(f"--master {master} is not a folder; give the master file's folder")
    limits = Limits(requests_per_minute=rate_limit, burst=max(Limits().burst, rate_limit // 5))
    context = open_context(
        load_settings(), master, model_path=model, limits=limits, batch_processes=batch_processes
    )
    # The web application and its server load here, not for every command of this module.
    import uvicorn  # noqa: PLC0415

    from ivs.service.app import create_app  # noqa: PLC0415

    console.print(f"ivs service on http://{host}:{port} (API description at /openapi.json)")
    # Uvicorn's access log would print query strings, which may hold a TIN: ours is kept.
    # Forwarded headers are believed from the proxies of the trusted_proxies setting alone
    # (ivs.service.gate.ForwardedFor), not from whoever connects from 127.0.0.1.
    uvicorn.run(
        create_app(context),
        host=host,
        port=port,
        access_log=False,
        log_level="info",
        proxy_headers=False,
    )


def register(app: typer.Typer) -> None:
    app.command(name="serve")(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(signers_app, name="signers")
