"""Intake of a large batch splits the work over processes; none of it may change a verdict."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ivs.batch import intake_step
from ivs.batch.intake_step import intake_batch
from ivs.domain.settings import Settings
from ivs.formats import read_signers

from .batch_factory import good_record, make_batch

NOW = datetime(2025, 6, 28, tzinfo=UTC)

# Every family of defect, repeated so duplicates and shared values occur too.
_VARIANTS: list[dict[str, str]] = [
    {},
    {"last_name": "UNKNOWN"},
    {"first_name": ""},
    {"street_address": "Failed to Provide"},
    {"street_address": "77002"},
    {"street_address": "Harris County Jail"},
    {"street_address": "1200 Baker St", "city": "Houston", "unit": "Apt 4"},
    {"street_address": "PO Box 12", "zip": "7700"},
    {"state": "ZZ"},
    {"city": ""},
    {"city": "SEATTLE", "state": "WA", "zip": "98789"},
    {"removal_order_final_date": "2025-06-01"},
    {"removal_order_final_date": "2024-02-30"},
    {"removal_order_final_date": ""},
    {"a_number": "A12"},
    {"a_number": ""},
    {"tin": "666-12-3456"},
    {"tin": "123-45-678"},
    {"tin": "912-70-1234"},
    {"date_of_birth": "2030-01-01"},
    {"date_of_birth": "1850-01-01"},
    {"date_of_birth": "1980-13-01"},
    {"reason": ""},
    {"request_id": ""},
]


def _rows(count: int) -> list[dict[str, str]]:
    rows = [good_record(i, **_VARIANTS[i % len(_VARIANTS)]) for i in range(1, count + 1)]
    rows[5]["request_id"] = rows[4]["request_id"]
    rows[7]["a_number"] = rows[6]["a_number"]
    return rows


@pytest.mark.parametrize("reason_policy", ["per_record", "batch"])
def test_parallel_intake_gives_the_serial_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reason_policy: str
) -> None:
    batch = make_batch(tmp_path / "b", _rows(660))
    settings = Settings(reason_policy=reason_policy, quarantine_defect_rate=1.0)
    roster = read_signers(batch.signers)

    def intake() -> intake_step.IntakeOutcome:
        return intake_batch(batch.manifest, roster, settings, [], now=NOW)

    monkeypatch.setattr(intake_step, "PARALLEL_MIN_ROWS", 10**9)
    serial = intake()
    monkeypatch.setattr(intake_step, "PARALLEL_MIN_ROWS", 1)
    parallel = intake()
    assert parallel.verdicts.equals(serial.verdicts)
    assert parallel.standardized.equals(serial.standardized)
    assert parallel.counts == serial.counts
    assert len(serial.counts) > 10  # the batch really holds many kinds of defect
