"""``ivs synth``: write a synthetic world (master, signed batch, roster, truth)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ivs.cli.common import console, handle_errors, progress
from ivs.synth import SynthConfig, generate_world

__all__ = ["register"]

_DEFAULTS = SynthConfig()


@handle_errors
def synth(
    out_dir: Path = typer.Argument(..., help="Folder to write the world into (created)."),
    *,
    taxpayers: int = typer.Option(_DEFAULTS.taxpayers, help="Taxpayers in the master file."),
    requests: int = typer.Option(_DEFAULTS.requests, help="Request records in the batch."),
    seed: int = typer.Option(_DEFAULTS.seed, help="Seed: the same options give the same files."),
    deficient_rate: float = typer.Option(
        _DEFAULTS.deficient_rate, help="Share of requests with one defect (rejected)."
    ),
    records_format: str = typer.Option(
        _DEFAULTS.records_format, help="Container of the records file: csv, jsonl or parquet."
    ),
    submitted_at: str = typer.Option(
        _DEFAULTS.submitted_at, help="The batch's submission instant (RFC 3339, UTC)."
    ),
    taxpayers_per_zip: int = typer.Option(
        _DEFAULTS.taxpayers_per_zip,
        help="Mean taxpayers per ZIP code (log-normal over the ZIPs used); 0 spreads them "
        "over every ZIP code, as the first worlds did.",
    ),
    address_history: str = typer.Option(
        _DEFAULTS.address_history,
        help="national (about 3 addresses a taxpayer over the years) or short (about 1.4, "
        "the first worlds).",
    ),
) -> None:
    """Write a synthetic master file, a signed request batch and the truth of every request.

    The keys in OUT_DIR/keys are TEST keys derived from the seed; never use them for real.
    """
    config = SynthConfig(
        taxpayers=taxpayers,
        requests=requests,
        seed=seed,
        deficient_rate=deficient_rate,
        records_format=records_format,
        submitted_at=submitted_at,
        taxpayers_per_zip=taxpayers_per_zip,
        address_history=address_history,
    )
    config.validate()
    with progress() as bar:
        task = bar.add_task("synthetic world", total=None)

        def report(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        summary = generate_world(out_dir, config, report)
    table = Table(title=f"Synthetic world in {out_dir} (seed {seed})")
    table.add_column("file")
    table.add_column("path")
    table.add_column("rows", justify="right")
    rows = {
        "taxpayers": summary.taxpayers,
        "addresses": summary.address_rows,
        "restrictions": summary.restrictions,
        "records": summary.requests,
        "truth": summary.requests,
    }
    for name, path in summary.files.items():
        count = rows.get(name)
        table.add_row(name, str(path.relative_to(out_dir)), "" if count is None else f"{count:,}")
    console.print(table)
    shares = Table(title="Requests by category")
    shares.add_column("category")
    shares.add_column("requests", justify="right")
    for name, count in summary.categories.items():
        shares.add_row(name, f"{count:,}")
    console.print(shares)


def register(app: typer.Typer) -> None:
    app.command(name="synth")(synth)
