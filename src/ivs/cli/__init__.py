"""The ``ivs`` command line: thin commands over the library, one module per command group.

Each module in ``COMMAND_MODULES`` has ``register(app)``, which adds the commands listed beside
it. Commands parse, call library functions, and print; errors of the project become a message
on stderr and the exit code on the error class.

The ``ivs`` script imports only the module of the command it is given (the report's charts and
the web service cost a second of imports that ``ivs run`` does not need), and none for
``ivs --version``; ``app`` imported from here has every command.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable

import typer

from ivs.cli import common
from ivs.engines.memory import use_retaining_allocator

__all__ = ["COMMAND_MODULES", "app", "main"]

# Module -> the top-level commands and command groups its register() adds.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "ivs.cli.synth": ("synth",),
    "ivs.cli.intake": ("validate",),
    "ivs.cli.pilot": ("pilot",),
    "ivs.cli.docs": ("docs",),
    "ivs.cli.run": ("index", "run", "simulate", "model"),
    "ivs.cli.review": ("explain", "review"),
    "ivs.cli.ledger": ("init", "db", "ledger"),
    "ivs.cli.disclose": ("purge", "accounting", "hold", "recall", "agency"),
    "ivs.cli.report": ("report",),
    "ivs.cli.service": ("serve", "users", "signers"),
    "ivs.cli.package": ("recipients", "package"),
}
_MODULE_OF = {command: module for module, names in COMMAND_MODULES.items() for command in names}
_registered: set[str] = set()


def _register(modules: Iterable[str]) -> typer.Typer:
    for module in modules:
        if module not in _registered:
            importlib.import_module(module).register(common.app)
            _registered.add(module)
    return common.app


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return _register(COMMAND_MODULES)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point of the ``ivs`` script."""
    # Every file ivs writes is its owner's alone (0600, folders 0700): the store, the
    # working data and response files hold TINs and addresses. Batch processes inherit it.
    os.umask(0o077)
    use_retaining_allocator()
    # The first word that is not an option names the command (the root takes no values).
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    module = _MODULE_OF.get(command or "")
    if module:
        modules: Iterable[str] = [module]
    elif sys.argv[1:] == ["--version"]:
        modules = []  # the root's own option: no command's imports
    else:
        modules = COMMAND_MODULES
    _register(modules)()


if __name__ == "__main__":  # pragma: no cover
    main()
