"""The ``ivs`` script imports only its command's module: the table it goes by must be right."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from ivs import __version__
from ivs.cli import COMMAND_MODULES, app


@pytest.mark.parametrize("module", sorted(COMMAND_MODULES))
def test_each_module_registers_the_commands_listed_for_it(module: str) -> None:
    alone = typer.Typer()
    importlib.import_module(module).register(alone)
    registered = [c.name or c.callback.__name__ for c in alone.registered_commands]  # type: ignore[union-attr]
    registered += [g.name for g in alone.registered_groups if g.name]
    assert sorted(registered) == sorted(COMMAND_MODULES[module])


def test_the_app_has_every_command_once() -> None:
    names = [c.name or c.callback.__name__ for c in app.registered_commands]  # type: ignore[union-attr]
    names += [g.name for g in app.registered_groups if g.name]
    assert sorted(names) == sorted(n for names in COMMAND_MODULES.values() for n in names)


def test_the_script_imports_only_the_module_of_its_command() -> None:
    loaded = _modules_after_run_help("m.startswith('ivs.cli.') or m == 'ivs.report'")
    assert "'ivs.cli.run'" in loaded
    assert "'ivs.cli.report'" not in loaded
    assert "'ivs.report'" not in loaded


@pytest.mark.parametrize("module", sorted(COMMAND_MODULES))
def test_commands_are_defined_at_module_level_and_register_only_adds_them(module: str) -> None:
    """One style for every command module: a command is a module-level function (importable
    and testable alone); ``register`` adds commands and groups and defines nothing."""
    source = Path(importlib.import_module(module).__file__ or "").read_text(encoding="utf-8")
    register = next(
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef) and node.name == "register"
    )
    defined = [
        node.name
        for node in ast.walk(register)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node is not register
    ]
    assert defined == [], f"{module}.register defines {defined}"


def test_help_of_the_main_job_imports_none_of_its_stages() -> None:
    """``ivs run --help`` answers without the batch stages and the libraries they bring."""
    heavy = ("ivs.batch", "ivs.standardize", "ivs.store", "pandas", "sqlalchemy", "duckdb")
    loaded = _modules_after_run_help(f"m.split('.')[0] in {heavy!r} or m in {heavy!r}")
    assert loaded == "[]"


def test_the_version_imports_no_command() -> None:
    printed = _printed_after("m.startswith('ivs.cli.')", ("--version",))
    assert printed == [f"ivs {__version__}", "['ivs.cli.common']"]


def _modules_after_run_help(which: str) -> str:
    """The sorted names of the modules ``m`` for which the expression ``which`` holds, once a
    fresh interpreter has answered ``ivs run --help``."""
    return _printed_after(which, ("run", "--help"))[-1]


def _printed_after(which: str, args: tuple[str, ...]) -> list[str]:
    """The lines a fresh interpreter prints answering ``ivs ARGS``, then the sorted names of
    the modules ``m`` for which the expression ``which`` holds."""
    probe = (
        f"import sys; from ivs.cli import main; sys.argv = ['ivs', *{list(args)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if {which}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return out.strip().splitlines()


@pytest.mark.parametrize("args", [("--help",), ("users", "--help"), ("serve", "--help")])
def test_help_loads_neither_the_web_application_nor_the_charts(args: tuple[str, ...]) -> None:
    """The web application (FastAPI and its pages) loads when ``ivs serve`` serves, and
    matplotlib with the first chart drawn; neither is needed to answer the help."""
    heavy = ("fastapi", "uvicorn", "matplotlib", "ivs.service.app")
    loaded = _printed_after(f"m in {heavy!r}", args)[-1]
    assert loaded == "[]"
