"""``ivs recipients`` (the recipients' public keys) and ``ivs package`` (checking and opening a
response package, offline, as its recipient does)."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from ivs.cli.common import console, err_console, handle_errors
from ivs.disclose.package_check import (
    open_package,
    read_identities,
    read_public_key,
    read_tree_head,
    verify_package,
)
from ivs.disclose.recipient_keys import (
    import_recipient_keys,
    revoke_recipient_key,
    stored_recipient_keys,
)
from ivs.domain.errors import PackageError
from ivs.domain.settings import load_settings
from ivs.formats.manifest import read_manifest
from ivs.formats.recipients import (
    generate_recipient_keys,
    read_recipient_keys,
    write_recipient_keys,
)
from ivs.formats.response import response_from_bytes
from ivs.formats.spreadsheet import spreadsheet_csv
from ivs.ledger.keys import open_ledger
from ivs.store import open_store

__all__ = ["register"]

recipients_app = typer.Typer(
    help="The public keys of the recipients requesting agencies name: response packages are "
    "encrypted to them.",
    no_args_is_help=True,
)
package_app = typer.Typer(
    help="Check and open a response package (offline; needs no store).", no_args_is_help=True
)

_PUBLIC_KEY_HELP = (
    "The agency's published ledger key (ledger.ed25519.pub, hex). Without it the key the "
    "package carries is used, which shows only that the package is self-consistent."
)
_TREE_HEAD_HELP = (
    "A signed tree head the agency published (`ivs ledger head --out`): the release must be "
    "under it."
)


@recipients_app.command("import")
@handle_errors
def recipients_import(
    file: Path = typer.Argument(..., help="An ivs-recipients/1 file (docs/service.md)."),
) -> None:
    """Register the file's keys (a key already registered is kept as it is); on the ledger."""
    keys = read_recipient_keys(file)
    settings = load_settings()
    ledger = open_ledger(settings)
    added = import_recipient_keys(
        ledger.store, ledger, keys, imported_by=getpass.getuser(), now=datetime.now(UTC)
    )
    console.print(f"{len(added)} key(s) registered, {len(keys) - len(added)} already registered")
    for key in added:
        console.print(f"  {key.fingerprint[:16]}  {key.agency}  {key.name} ({key.office})")


@recipients_app.command("keygen")
@handle_errors
def recipients_keygen(
    manifest: Path = typer.Argument(..., help="A batch manifest: a key for each recipient."),
    keys: Path = typer.Option(..., "--keys", help="Folder for the secret keys (NAME.agekey)."),
    out: Path = typer.Option(..., "--out", help="The ivs-recipients/1 file to write."),
) -> None:
    """The requester's side, for demonstrations and tests: a new age key pair for each
    recipient the manifest names (as `age-keygen` makes), and the file of public keys to
    import. A real agency makes its keys itself and sends only the public ones."""
    m = read_manifest(manifest)
    made = generate_recipient_keys(
        m.requesting_agency,
        [(r.name, r.office) for r in m.recipients],
        keys,
        valid_from=datetime.now(UTC).date(),
    )
    write_recipient_keys(out, made)
    for key in made:
        console.print(f"  {key.fingerprint[:16]}  {key.name} ({key.office})")
    console.print(f"secret keys in {keys}; public keys in {out} (`ivs recipients import {out}`)")


@recipients_app.command("list")
@handle_errors
def recipients_list(
    agency: str | None = typer.Option(None, "--agency", help="Only this agency's keys."),
) -> None:
    """Registered keys: fingerprint, agency, officer, validity, and whether revoked."""
    with open_store(load_settings()).connect() as conn:
        keys = stored_recipient_keys(conn, agency)
    table = Table(title=f"{len(keys)} recipient key(s)")
    for column in ("fingerprint", "agency", "name", "office", "valid", "revoked"):
        table.add_column(column)
    for k in keys:
        until = k.key.valid_until.isoformat() if k.key.valid_until else "open"
        table.add_row(
            k.fingerprint[:16],
            k.key.agency,
            k.key.name,
            k.key.office,
            f"{k.key.valid_from} to {until}",
            k.revoked_at or "",
        )
    console.print(table)


@recipients_app.command("revoke")
@handle_errors
def recipients_revoke(
    fingerprint: str = typer.Argument(..., help="The key's fingerprint (8 hex digits or more)."),
    reason: str = typer.Option(..., "--reason", help="Why, for the record."),
) -> None:
    """Stop encrypting to a key (lost, the officer reassigned); on the ledger."""
    ledger = open_ledger(load_settings())
    key = revoke_recipient_key(
        ledger.store,
        ledger,
        fingerprint,
        revoked_by=getpass.getuser(),
        reason=reason,
        now=datetime.now(UTC),
    )
    console.print(f"revoked {key.fingerprint[:16]} of {key.name} ({key.office}, {key.agency})")


def _consistency(path: Path | None) -> dict[str, object] | None:
    if path is None:
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PackageError(f"{path}: not a consistency proof document ({e})") from e
    if not isinstance(document, dict):
        raise PackageError(f"{path}: not a consistency proof document")
    return document


@package_app.command("verify")
@handle_errors
def package_verify(
    file: Path = typer.Argument(..., help="A response package (BATCH_ID.package.zip)."),
    public_key: Path | None = typer.Option(None, "--public-key", help=_PUBLIC_KEY_HELP),
    tree_head: Path | None = typer.Option(None, "--tree-head", help=_TREE_HEAD_HELP),
    consistency: Path | None = typer.Option(
        None,
        "--consistency",
        help="A consistency proof (`ivs ledger consistency`) from the package's tree head to "
        "a later --tree-head.",
    ),
) -> None:
    """Check the package's archive, signature, digests and the ledger's proof of its release."""
    checked = verify_package(
        file.read_bytes(),
        public_key=read_public_key(public_key) if public_key else None,
        tree_head=read_tree_head(tree_head) if tree_head else None,
        consistency=_consistency(consistency),
    )
    for line in checked.checked:
        console.print(f"ok: {line}")
    m = checked.manifest
    outcomes = ", ".join(f"{k} {v}" for k, v in m["outcomes"].items())
    console.print(
        f"package of batch {m['batch_id']} ({m['agency']}), {m['record_count']} records "
        f"({outcomes}); for {', '.join(r['name'] for r in m['recipients'])}"
    )


@package_app.command("open")
@handle_errors
def package_open(
    file: Path = typer.Argument(..., help="A response package (BATCH_ID.package.zip)."),
    key: Path = typer.Option(
        ..., "--key", help="The recipient's age identity file (AGE-SECRET-KEY-1…)."
    ),
    out: Path = typer.Option(..., "--out", help="Where to write the response CSV."),
    public_key: Path | None = typer.Option(None, "--public-key", help=_PUBLIC_KEY_HELP),
    tree_head: Path | None = typer.Option(None, "--tree-head", help=_TREE_HEAD_HELP),
    spreadsheet: bool = typer.Option(
        False,
        "--spreadsheet",
        help="Write the rows with formula-like cells neutralised by a leading apostrophe, "
        "for a spreadsheet (the digest is checked on the response as sent first).",
    ),
) -> None:
    """Verify the package, decrypt the response with a recipient's key, check its digest."""
    checked, plaintext = open_package(
        file.read_bytes(),
        read_identities(key),
        public_key=read_public_key(public_key) if public_key else None,
        tree_head=read_tree_head(tree_head) if tree_head else None,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(spreadsheet_csv(response_from_bytes(plaintext)) if spreadsheet else plaintext)
    for line in checked.checked:
        console.print(f"ok: {line}")
    err_console.print(
        f"response of batch {checked.batch_id} written to {out}: federal tax information, "
        "for the named recipients alone"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(recipients_app, name="recipients")
    app.add_typer(package_app, name="package")
