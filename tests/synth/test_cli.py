"""``ivs synth`` through Typer's test runner."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ivs.cli import app
from ivs.formats import read_manifest


def test_synth_writes_a_world_and_names_its_files(tmp_path: Path) -> None:
    out = tmp_path / "world"
    result = CliRunner().invoke(
        app, ["synth", str(out), "--taxpayers", "3000", "--requests", "300", "--seed", "4"]
    )
    assert result.exit_code == 0, result.output
    for name in ("taxpayers.parquet", "SYN-4-A.manifest.json", "truth.parquet", "signers.json"):
        assert name in result.output
    assert read_manifest(out / "batch" / "SYN-4-A.manifest.json").records_count == 300


def test_synth_refuses_bad_options_with_the_config_exit_code(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "synth",
            str(tmp_path / "w"),
            "--taxpayers",
            "1000",
            "--requests",
            "900",
            "--records-format",
            "xml",
        ],
    )
    assert result.exit_code == 2
    assert "--requests" in result.output
    assert "--records-format" in result.output
    assert not (tmp_path / "w").exists()
