"""A report on a real run: `ivs run` records the batch, `ivs report batch` reads it back."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.batch.small_world import REQUESTS, run_asked, write_master
from typer.testing import CliRunner

from ivs.cli import app

from .expected import batch_totals, read_export, report_totals, tree_root

pytestmark = pytest.mark.usefixtures("ledger_key")


def test_batch_report_of_a_real_run_equals_the_export(tmp_path: Path) -> None:
    master = write_master(tmp_path / "master")
    _, result = run_asked(tmp_path, master, [r for r, _, _ in REQUESTS])
    runner = CliRunner()
    page, export = tmp_path / "report.html", tmp_path / "ledger.jsonl"
    made = runner.invoke(app, ["report", "batch", result.batch_id, "--out", str(page)])
    assert made.exit_code == 0, made.output
    assert runner.invoke(app, ["ledger", "export", "--out", str(export)]).exit_code == 0

    found, basis = report_totals(page.read_text(encoding="utf-8"))
    expected = batch_totals(read_export(export), result.batch_id)
    assert found == expected
    assert basis["data-ledger-root"] == tree_root(export)
    # And the run's own counts agree with what the report read from the ledger.
    assert found["requests"] == len(REQUESTS)
    for outcome, count in result.outcomes.items():
        assert found[f"outcome.{outcome}"] == count
    assert found["counterfactual.batches"] == 1
