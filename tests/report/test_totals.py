"""Each total in a report equals the same total computed from the ledger's JSONL export."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivs.cli import app
from ivs.domain.settings import load_settings
from ivs.ledger.keys import create_ledger_key, ledger_key_path, open_ledger

from .expected import (
    annual_table,
    annual_totals,
    batch_totals,
    period_totals,
    read_export,
    report_totals,
    tree_root,
)
from .ledger_factory import BATCHES, HELD_BATCH, build_ledger

runner = CliRunner()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One ledger for the module (an $IVS_HOME made as `ivs init` makes it), and its export."""
    home = tmp_path_factory.mktemp("ivs-home")
    settings = load_settings(home=home)
    create_ledger_key(ledger_key_path(settings))
    build_ledger(open_ledger(settings))
    path = home / "ledger.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        open_ledger(settings).export_jsonl(stream)
    return home, path


@pytest.fixture
def exported(built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    home, path = built
    monkeypatch.setenv("IVS_HOME", str(home))
    # The export the command line gives is the one the checks read.
    again = home / "again.jsonl"
    result = runner.invoke(app, ["ledger", "export", "--out", str(again)])
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == path.read_bytes()
    return path


def _report(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    return out.read_text(encoding="utf-8")


def _check_basis(basis: dict[str, str], exported: Path) -> None:
    size = len(exported.read_text(encoding="utf-8").splitlines())
    assert basis["data-ledger-size"] == str(size)
    assert basis["data-ledger-root"] == tree_root(exported)
    assert basis["data-signed-size"] == str(size)  # the factory signs its last head


@pytest.mark.parametrize("batch", [b.batch_id for b in BATCHES])
def test_batch_report_totals_equal_the_export(batch: str, exported: Path, tmp_path: Path) -> None:
    found, basis = report_totals(_report(tmp_path, "batch", batch))
    assert found == batch_totals(read_export(exported), batch)
    _check_basis(basis, exported)


def test_the_factory_exercises_every_part_of_a_batch_report(exported: Path) -> None:
    # Totals that are all zero would make the comparison above weak.
    entries = read_export(exported)
    held = batch_totals(entries, HELD_BATCH)
    recalled = batch_totals(entries, BATCHES[0].batch_id)
    assert held["holds.held_records"] > 0
    assert held["holds.touching"] == 1
    assert recalled["recalls.disclosures"] == 3
    assert recalled["incidents.unauthorized"] == 3
    assert recalled["batch.duplicates"] == 1
    assert recalled["recalls.certified"] == 1
    assert all(held[f"outcome.{o}"] > 0 for o in ("DISCLOSED", "NOT_DISCLOSED", "REJECTED"))
    assert held["reviews.pending"] > 0
    assert held["reviews.disclosed"] == held["reviews.approved"]
    assert held["batch.disclosures"] == held["outcome.DISCLOSED"] + held["reviews.disclosed"]
    assert held["reviews.approved"] > 0


@pytest.mark.parametrize(
    ("start", "end"), [("2025-03-01", "2025-03-31"), ("2025-03-10", "2025-03-12")]
)
def test_period_report_totals_equal_the_export(
    start: str, end: str, exported: Path, tmp_path: Path
) -> None:
    html = _report(tmp_path, "period", "--from", start, "--to", end)
    found, basis = report_totals(html)
    assert found == period_totals(read_export(exported), start, end)
    _check_basis(basis, exported)


def test_annual_report_totals_and_table_equal_the_export(exported: Path, tmp_path: Path) -> None:
    entries = read_export(exported)
    found, basis = report_totals(_report(tmp_path, "annual", "--year", "2025"))
    assert found == annual_totals(entries, 2025)
    _check_basis(basis, exported)
    printed = runner.invoke(app, ["report", "annual", "--year", "2025"])
    assert printed.exit_code == 0, printed.output
    for (agency, statute), numbers in annual_table(entries, 2025).items():
        line = next(row for row in printed.output.splitlines() if f" {agency} " in row)
        assert statute in line
        assert [int(v.replace(",", "")) for v in line.split("│")[3:-1]] == list(numbers)


def test_unknown_batch_and_bad_dates_are_plain_errors(exported: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "x.html")
    missing = runner.invoke(app, ["report", "batch", "NOPE-1", "--out", out])
    assert missing.exit_code != 0
    assert "batch 'NOPE-1' is not on the ledger" in missing.output
    backwards = runner.invoke(
        app, ["report", "period", "--from", "2025-03-10", "--to", "2025-03-01", "--out", out]
    )
    assert backwards.exit_code != 0
    assert "before it starts" in backwards.output
    garbled = runner.invoke(
        app, ["report", "period", "--from", "March", "--to", "2025-03-01", "--out", out]
    )
    assert garbled.exit_code != 0
    assert "YYYY-MM-DD" in garbled.output
    assert not Path(out).exists()


def test_a_period_longer_than_ten_years_is_refused(tmp_path: Path) -> None:
    from datetime import date

    from ivs.domain.errors import ConfigError
    from ivs.domain.settings import load_settings
    from ivs.ledger.keys import create_ledger_key, open_ledger
    from ivs.report import period_report

    settings = load_settings()
    create_ledger_key(Path(settings.home) / "keys" / "ledger.ed25519")
    with pytest.raises(ConfigError, match="longer than ten years"):
        period_report(open_ledger(settings), date(1, 1, 1), date(9999, 12, 31), settings)
