"""The ``ivs`` command line: thin commands over the library, one module per command group.

Each module in ``_COMMAND_MODULES`` has ``register(app)``, which adds its commands. Commands
parse, call library functions, and print; errors of the project become a message on stderr
and the exit code on the error class.
"""

from __future__ import annotations

import importlib

import typer

from ivs.cli.common import app
from ivs.engines.memory import use_retaining_allocator

__all__ = ["app", "main"]

_COMMAND_MODULES = (
    "ivs.cli.synth",
    "ivs.cli.intake",
    "ivs.cli.pilot",
    "ivs.cli.docs",
    "ivs.cli.run",
    "ivs.cli.review",
    "ivs.cli.ledger",
    "ivs.cli.disclose",
    "ivs.cli.report",
    "ivs.cli.service",
)

for _name in _COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    """Entry point of the ``ivs`` script."""
    use_retaining_allocator()
    app()


if __name__ == "__main__":  # pragma: no cover
    typer.run(main)
