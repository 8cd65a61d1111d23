"""The disclosure controls from the command line, on a batch that was really run."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from tests.recipients import write_smith_keys
from typer.testing import CliRunner

from ivs.batch.run import run_batch
from ivs.cli import app
from ivs.cli.common import console
from ivs.domain.settings import load_settings
from ivs.formats import read_signers
from ivs.ledger.keys import open_ledger

from .small_world import REQUESTS, TAXPAYERS, write_batch, write_master

NOW = datetime(2025, 6, 28, tzinfo=UTC)
runner = CliRunner()
DISCLOSED = sum(1 for _, outcome, _ in REQUESTS if outcome == "DISCLOSED")


def ivs(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), terminal_width=200)
    assert result.exit_code == code, result.output
    return result.output


def kinds() -> Counter[str]:
    out = StringIO()
    open_ledger(load_settings()).export_jsonl(out)
    return Counter(json.loads(line)["kind"] for line in out.getvalue().splitlines())


@pytest.fixture(autouse=True)
def wide_console() -> Iterator[None]:
    """Tables print whole, as in a wide terminal."""
    before = console.width
    console.width = 250
    yield
    console.width = before


@pytest.fixture
def answered(tmp_path: Path) -> Path:
    ivs("init")
    ivs("recipients", "import", str(write_smith_keys(tmp_path / "recipients.json")))
    master = write_master(tmp_path / "master")
    batch = write_batch(tmp_path / "batch")
    out = tmp_path / "out"
    settings = load_settings()
    run_batch(batch.manifest, master, read_signers(batch.signers), settings, out, now=NOW)
    return out


def test_holds_are_placed_listed_and_lifted(answered: Path) -> None:
    placed = ivs("hold", "add", "--scope", "state:tx", "--order", "S.D. Tex. 4:25-cv-1, 2025-06-01")
    hold_id = placed.split()[1]
    assert "state:TX" in placed
    assert hold_id in ivs("hold", "list")
    ivs("hold", "add", "--scope", "planet:mars", "--order", "x", code=2)
    ivs("hold", "add", "--scope", "all", "--order", "  ", code=2)
    assert "lifted" in ivs("hold", "lift", hold_id, "--order", "vacated 2025-07-01")
    assert "no hold in force" in ivs("hold", "list")
    assert "vacated" in ivs("hold", "list", "--all")
    ivs("hold", "lift", hold_id, "--order", "again", code=7)
    assert kinds()["hold_placed"] == 1
    assert kinds()["hold_lifted"] == 1


def test_recall_notice_incident_and_certification(answered: Path, tmp_path: Path) -> None:
    listed = ivs("recall", "--batch", "TEST-2025-06-27-A", "--dry-run")
    assert f"{DISCLOSED} disclosure(s) in scope" in listed
    ivs("recall", "--batch", "TEST-2025-06-27-A", code=2)  # no --order
    out = tmp_path / "recalls"
    issued = ivs(
        "recall",
        "--batch",
        "TEST-2025-06-27-A",
        "--order",
        "finding of 2025-07-02",
        "--incident",
        "--out",
        str(out),
    )
    notice_id = issued.split("notice ")[1].split()[0]
    notice = json.loads((out / f"{notice_id}.recall-notice.json").read_text())
    assert len(notice["records"]) == DISCLOSED
    report = next(out.glob("*.incident-report.txt")).read_text()
    assert f"Possibly unauthorized disclosures: {DISCLOSED}, each a separate disclosure" in report
    assert "awaiting certification" in ivs("recall", "list")
    ivs("recall", "certify", notice_id, "--by", "Records Officer", "--date", "2025-07-20")
    assert "certified 2025-07-20" in ivs("recall", "list")
    ivs("recall", "certify", notice_id, "--by", "x", "--date", "2025-07-21", code=7)
    counted = kinds()
    assert (counted["recall_issued"], counted["incident_reported"]) == (1, 1)
    assert counted["destruction_certified"] == 1
    ivs("recall", "--where", "rule_set=zz", code=2)
    ivs("recall", "--hold", "H-none", code=6)


def test_agency_status_gates_responses(answered: Path) -> None:
    assert "every agency may receive" in ivs("agency", "status")
    shown = ivs("agency", "status", "DHS-ICE", "--open-findings", "3", "--note", "2025 review")
    assert "withheld" in shown
    assert "released" in ivs(
        "agency", "status", "DHS-ICE", "--open-findings", "3", "--plan-dated", "2025-08-01"
    )
    assert kinds()["agency_safeguards_changed"] == 2


def test_accounting_by_taxpayer_and_year(answered: Path) -> None:
    tin = TAXPAYERS[0][0]
    shown = ivs("accounting", "--tin", tin)
    assert "DISCLOSED" in shown
    assert tin not in shown  # only the last four digits are printed
    year = ivs("accounting", "--year", str(datetime.now(UTC).year))
    assert f"{len(REQUESTS)}" in year
    ivs("accounting", code=2)


def test_purge_destroys_working_data_on_the_record(answered: Path) -> None:
    assert "would purge" in ivs("purge", "--older-than", "0", "--dry-run")
    assert list(answered.glob("*.package.zip"))
    ivs("purge", "--older-than", "0")
    assert not list(answered.glob("*.package.zip"))
    assert kinds()["purge"] == 1
    assert "purged 0 file(s)" in ivs("purge", "--older-than", "0")


def test_pilot_changes_are_on_the_record(answered: Path) -> None:
    ivs("pilot", "enable", "--state", "TX", "--effective", "2025-01-01")
    assert kinds()["pilot_changed"] == 1
