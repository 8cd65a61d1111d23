"""Intake end to end: a request without a city, or with a ZIP of no state, is rejected."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ivs.batch.intake_step import intake_batch
from ivs.domain.settings import Settings
from ivs.formats import read_signers

from .batch_factory import good_record, make_batch

NOW = datetime(2025, 6, 28, tzinfo=UTC)

CASES: list[tuple[dict[str, str], str | None]] = [
    ({}, None),
    ({"city": ""}, "ADDRESS_NO_CITY"),
    ({"city": "   "}, "ADDRESS_NO_CITY"),
    ({"city": "N/A"}, "ADDRESS_PLACEHOLDER"),
    ({"city": "UNKNOWN"}, "ADDRESS_PLACEHOLDER"),
    ({"city": "SEATTLE", "state": "WA", "zip": "98789"}, "ADDRESS_ZIP_STATE_MISMATCH"),
    ({"city": "DAVANT", "state": "LA", "zip": "70046"}, None),  # a real ZIP the table lacks
    ({"city": "DAVANT", "state": "TX", "zip": "70046"}, "ADDRESS_ZIP_STATE_MISMATCH"),
]


def test_city_and_zip_rules_through_intake(tmp_path: Path) -> None:
    rows = [good_record(i, **fields) for i, (fields, _) in enumerate(CASES, start=1)]
    batch = make_batch(tmp_path / "b", rows)
    outcome = intake_batch(
        batch.manifest, read_signers(batch.signers), Settings(quarantine_defect_rate=1.0), [],
        now=NOW,
    )  # fmt: skip
    got = dict(
        zip(
            outcome.verdicts.column("request_id").to_pylist(),
            outcome.verdicts.column("rejection_code").to_pylist(),
            strict=True,
        )
    )
    expected = {f"R{i}": code for i, (_, code) in enumerate(CASES, start=1)}
    assert got == expected
