"""What every command shares: the app, consoles, error reporting and progress bars."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from ivs import __version__
from ivs.domain.errors import IvsError

__all__ = [
    "ENGINE_HELP",
    "SPARK_MASTER_HELP",
    "app",
    "console",
    "err_console",
    "handle_errors",
    "progress",
]

ENGINE_HELP = (
    "Engine: duckdb (embedded, the default) or spark (PySpark; `pip install 'ivs[spark]'`)."
)
SPARK_MASTER_HELP = (
    "Spark master URL for --engine spark (default local[2]; e.g. spark://host:7077)."
)

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="ivs",
    help=(
        "Interagency verification service: checks signed requests for taxpayer addresses "
        "against the master file and discloses a last known address only for a lawful, "
        "confident and unique match (26 U.S.C. 6103(i)(2)); every request and disclosure is "
        "accounted for."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"ivs {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """State (ledger, holds, configuration) lives under $IVS_HOME, by default ./.ivs."""


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the project's errors into a message on stderr and the error's exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except IvsError as e:
            err_console.print(f"[bold red]error:[/] {e.message}", markup=True)
            raise typer.Exit(code=e.exit_code) from e
        except KeyboardInterrupt:
            err_console.print("interrupted; state on disk is consistent, run the command again")
            raise typer.Exit(code=130) from None

    return wrapper


@contextmanager
def progress(*, transient: bool = True) -> Iterator[Progress]:
    """A Rich progress display on stderr (silent when stderr is not a terminal)."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=transient,
        disable=not sys.stderr.isatty(),
    )
    with bar:
        yield bar
