"""`ivs validate --out`: the verdicts file is written for people, so it is safe to open in a
spreadsheet (issue 22, defect 5)."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from ivs.cli import app

from .batch_factory import good_record, make_batch

FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1)", "-2+3", "@HYPERLINK(1)", "\tTAB", "\rCR"]


def test_verdicts_csv_neutralises_formula_cells(tmp_path: Path) -> None:
    rows = [good_record(i, request_id=f) for i, f in enumerate(FORMULAS, start=1)]
    rows.append(good_record(99, request_id="R-plain"))
    batch = make_batch(tmp_path / "batch", rows)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["validate", str(batch.manifest), "--signers", str(batch.signers), "--out", str(out)]
    )
    assert (out / "TEST-2025-06-27-A.verdicts.csv").exists(), result.output
    with (out / "TEST-2025-06-27-A.verdicts.csv").open(newline="", encoding="utf-8") as f:
        ids = [row["request_id"] for row in csv.DictReader(f)]
    assert ids == [f"'{f}" for f in FORMULAS] + ["R-plain"]
