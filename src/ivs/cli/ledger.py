"""``ivs init``, ``ivs db`` and ``ivs ledger``: the store, its schema and the accounting ledger."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import typer

from ivs.cli.common import console, handle_errors
from ivs.domain.errors import ConfigError, LedgerError
from ivs.domain.settings import Settings, load_settings
from ivs.ledger.keys import create_ledger_key, ledger_key_path, open_ledger
from ivs.ledger.proof_documents import check_proof_document
from ivs.store.connection import store_engine, store_url
from ivs.store.migrate import upgrade_store

__all__ = ["register"]

ledger_app = typer.Typer(
    help="The accounting ledger of every request and disclosure (26 U.S.C. 6103(p)(3)): "
    "its signed head, full verification, proofs for auditors, and export.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="The relational store's schema.", no_args_is_help=True)


def _migrate(settings: Settings) -> str:
    engine = store_engine(settings)
    try:
        return upgrade_store(engine)
    finally:
        engine.dispose()


def _write_json(document: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")


@handle_errors
def init() -> None:
    """Create $IVS_HOME, the ledger's Ed25519 signing key (0600) and the store's schema."""
    settings = load_settings()
    key_path = ledger_key_path(settings)
    if key_path.exists():
        console.print(f"ledger key kept: {key_path}")
    else:
        create_ledger_key(key_path)
        console.print(f"ledger key created: {key_path} (mode 0600; keep it secret)")
    console.print(f"public key (publish it for auditors): {key_path}.pub")
    revision = _migrate(settings)
    console.print(f"store at schema revision {revision}: {store_url(settings).split('@')[-1]}")


@db_app.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """Bring the store's schema to the latest revision (Alembic)."""
    revision = _migrate(load_settings())
    console.print(f"store at schema revision {revision}")


@ledger_app.command("head")
@handle_errors
def head(
    sign: bool = typer.Option(False, "--sign", help="Sign and store the current head now."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Write the latest signed head here (base64 of its 152 bytes): the head to "
        "publish, against which requesters check packages (`ivs package verify --tree-head`).",
    ),
) -> None:
    """The ledger's size and root, and its latest signed head."""
    ledger = open_ledger(load_settings())
    current = ledger.checkpoint() if sign else None
    tree = ledger.head()
    console.print(f"entries: {tree.size}")
    console.print(f"root: {tree.root.hex()}")
    console.print(f"public key: {ledger.public_key.hex()}")
    try:
        signed = current or ledger.signed_head()
    except LookupError:
        console.print("signed head: none yet (run `ivs ledger head --sign`)")
        return
    console.print(
        f"signed head: {signed.head.size} entries, root {signed.head.root.hex()}, "
        f"timestamp_ms {signed.head.timestamp_ms}"
    )
    if out is not None:
        out.write_text(base64.b64encode(signed.to_bytes()).decode("ascii") + "\n", "ascii")
        console.print(f"wrote {out}")


@ledger_app.command("verify")
@handle_errors
def verify() -> None:
    """Recompute every entry's hash, the tree and every signed head; name the first bad entry."""
    report = open_ledger(load_settings()).verify()
    if not report.ok:
        where = f"at entry {report.first_bad_index}" if report.first_bad_index is not None else ""
        raise LedgerError(
            f"ledger verification failed {where}: {report.problem} "
            f"({report.entries} entries checked before it). Keep the store as evidence and "
            "report it; do not append until it is explained."
        )
    console.print(
        f"ledger intact: {report.entries} entries, root {report.root.hex()}, "
        f"{report.signed_heads} signed heads checked"
    )


@ledger_app.command("prove")
@handle_errors
def prove(
    entry_index: int = typer.Argument(..., help="Index of the entry to prove."),
    out: Path | None = typer.Option(None, "--out", help="Write the proof here (default stdout)."),
) -> None:
    """An inclusion proof of one entry against a signed head, as JSON for `check-proof`."""
    ledger = open_ledger(load_settings())
    try:
        signed = ledger.signed_head()
    except LookupError:
        signed = None
    if signed is None or signed.head.size <= entry_index:
        # The entry is newer than every signed head: sign one that covers it.
        signed = ledger.checkpoint()
    proof = ledger.inclusion_proof(entry_index, signed.head.size)
    _write_json(proof.to_document(), out)


@ledger_app.command("consistency")
@handle_errors
def consistency(
    old_size: int = typer.Argument(..., help="Size of the earlier tree head."),
    out: Path | None = typer.Option(None, "--out", help="Write the proof here (default stdout)."),
) -> None:
    """A proof that the ledger only appended since it had OLD_SIZE entries, as JSON."""
    ledger = open_ledger(load_settings())
    signed = ledger.checkpoint()
    proof = ledger.consistency_proof(old_size, signed.head.size)
    _write_json(proof.to_document(), out)


@ledger_app.command("export")
@handle_errors
def export(
    fmt: str = typer.Option("jsonl", "--format", help="Output format: jsonl."),
    out: Path | None = typer.Option(None, "--out", help="Write here (default stdout)."),
) -> None:
    """Every entry in order, one JSON object a line: index, kind, leaf hash, entry text."""
    if fmt != "jsonl":
        raise ConfigError(f"--format must be jsonl, got {fmt!r}")
    ledger = open_ledger(load_settings())
    if out is None:
        ledger.export_jsonl(sys.stdout)
        return
    with out.open("w", encoding="utf-8") as stream:
        count = ledger.export_jsonl(stream)
    console.print(f"wrote {count} entries to {out}")


@ledger_app.command("check-proof")
@handle_errors
def check_proof(
    file: Path = typer.Argument(..., help="A proof written by `prove` or `consistency`."),
    public_key: str | None = typer.Option(
        None, "--public-key", help="The agency's published ledger key (hex); default: the file's."
    ),
) -> None:
    """Check a proof file with the pure verifier only: no store, no secret key."""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise LedgerError(f"cannot read the proof {file}: {e}") from e
    try:
        trusted = bytes.fromhex(public_key) if public_key is not None else None
    except ValueError as e:
        raise ConfigError(f"--public-key must be hex, got {public_key!r}") from e
    if not isinstance(document, dict):
        raise LedgerError(f"{file} is not a proof document (a JSON object)")
    for line in check_proof_document(document, trusted):
        console.print(f"ok: {line}")
    if trusted is None:
        console.print(
            "note: checked against the public key in the file; pass --public-key with the "
            "agency's published key to rule out a substituted key."
        )


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(db_app, name="db")
    app.add_typer(ledger_app, name="ledger")
