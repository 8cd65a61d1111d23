"""Docs tested as code: every command is documented, generated docs agree with the code."""

from __future__ import annotations

import importlib
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from ivs.cli import app
from ivs.cli.docs import reason_codes_markdown

ROOT = Path(__file__).resolve().parents[1]


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(commands(command, path))
    return found


ALL = commands(typer.main.get_command(app))  # type: ignore[arg-type]


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip()) > 80


def test_reason_codes_doc_is_generated_from_the_table() -> None:
    written = (ROOT / "docs" / "reason-codes.md").read_text(encoding="utf-8")
    assert written == reason_codes_markdown()


@pytest.mark.parametrize(
    "package",
    [
        "ivs.domain",
        "ivs.formats",
        "ivs.match",
        "ivs.decide",
        "ivs.engines",
        "ivs.store",
        "ivs.ledger",
        "ivs.synth",
        "ivs.review",
        "ivs.report",
        "ivs.service",
    ],
)
def test_public_surface_is_explicit(package: str) -> None:
    module = importlib.import_module(package)
    exported = module.__all__
    assert len(set(exported)) == len(exported)
    for name in exported:
        assert hasattr(module, name), f"{package}.__all__ names {name}, which does not exist"


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:12]
    assert any("make demo" in line for line in head)
    assert any("make test" in line for line in head)
