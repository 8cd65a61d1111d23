"""A report opened in headless Chromium: the page renders and its charts are drawn."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread
from typer.testing import CliRunner

from ivs.cli import app
from ivs.domain.settings import load_settings
from ivs.ledger.keys import open_ledger
from ivs.report.charts import COLORS

from .ledger_factory import HELD_BATCH, build_ledger

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _screenshot(page: Path, png: Path, profile: Path) -> None:
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            "--window-size=1200,2600",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _pixels_of(image: np.ndarray, hex_color: str) -> int:
    rgb = np.array([int(hex_color[k : k + 2], 16) for k in (1, 3, 5)]) / 255
    return int((np.abs(image[..., :3] - rgb).max(axis=-1) < 0.02).sum())


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="`make test` installs Chromium first")
def test_batch_report_renders_with_its_charts_in_chromium(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    build_ledger(open_ledger(load_settings()))
    page = tmp_path / "batch.html"
    result = runner.invoke(app, ["report", "batch", HELD_BATCH, "--out", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    # Self-contained: charts inline, nothing fetched from anywhere.
    assert html.count("<svg") == 5
    assert html.count("<figcaption>") == html.count("<details>") == 5
    assert re.findall(r"(?:src|href)=\"(?!#)", html) == []
    assert re.findall(r"https?://(?!www\.w3\.org/)", html) == []
    assert "<script" not in html

    png = tmp_path / "batch.png"
    _screenshot(page, png, tmp_path / "chromium-profile")
    image = imread(png)
    assert image.shape[:2] == (2600, 1200)
    # Not blank: a white page has one colour; this one has text, rules and charts.
    assert image[..., :3].std() > 0.05
    assert len(np.unique(image[..., :3].reshape(-1, 3), axis=0)) > 200
    # The charts were drawn: the outcome colours fill bars of many pixels.
    for outcome in ("DISCLOSED", "NOT_DISCLOSED", "REJECTED"):
        assert _pixels_of(image, COLORS[outcome]) > 2000, outcome
