"""Choosing an engine: by name, with a clear error for a wrong name or option."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivs.cli import app
from ivs.domain.errors import ConfigError
from ivs.engines import DuckDBEngine, EngineChoice, open_engine


def test_the_default_is_duckdb() -> None:
    with EngineChoice().open() as engine:
        assert isinstance(engine, DuckDBEngine)
        assert engine.dialect == "duckdb"


@pytest.mark.parametrize(
    ("name", "master", "message"),
    [
        ("oracle", None, "unknown engine 'oracle'; choose one of duckdb, spark"),
        ("duckdb", "local[2]", "--spark-master applies only to --engine spark"),
    ],
)
def test_a_wrong_choice_is_a_config_error(name: str, master: str | None, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        EngineChoice(name, master)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        open_engine(name, master)


def test_the_cli_names_the_engines_it_knows(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["index", str(tmp_path), "--engine", "oracle"])
    assert result.exit_code == 2
    assert "unknown engine 'oracle'; choose one of duckdb, spark" in result.output
