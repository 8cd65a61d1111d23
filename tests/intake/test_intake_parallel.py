"""Intake of a large batch splits the work over processes; none of it may change a verdict."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ivs.batch import inputs, intake_step
from ivs.batch.inputs import requests_table
from ivs.batch.intake_step import intake_batch
from ivs.domain.settings import Settings
from ivs.formats import read_signers
from ivs.match.name_columns import MATCH_COLUMNS, WordIds, name_match_columns

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


_SURNAMES = ["GARCIA", "DE LA CRUZ", "NGUYEN", "O'BRIEN", "SMITH-JONES", "UNKNOWN", ""]
_GIVEN = [("ANA", ""), ("JOSE MARIA", "L"), ("MARY", "NMN"), ("FNU", ""), ("WILLIAM", "JR")]


@pytest.mark.parametrize("parallel_min_rows", [1, 10**9])
def test_names_match_columns_made_in_intake_are_those_made_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel_min_rows: int
) -> None:
    """Given the index's name words, intake's names carry their match columns on those ids
    (in the names worker when parallel), the verdicts stay the same, and the
    requests table reads the columns from intake instead of making them again."""
    rows = _rows(330)
    for i, row in enumerate(rows):
        row["last_name"] = _SURNAMES[i % len(_SURNAMES)]
        row["first_name"], row["middle_name"] = _GIVEN[i % len(_GIVEN)]
    batch = make_batch(tmp_path / "b", rows)
    settings = Settings(quarantine_defect_rate=1.0)
    roster = read_signers(batch.signers)
    # Ids an index gave: not the words' hashes, so the test sees whose ids were used.
    words_file = tmp_path / "name_words.parquet"
    pq.write_table(WordIds({"GARCIA": 7, "ANA": 8, "NGUYEN": 9}).table(), words_file)
    monkeypatch.setattr(intake_step, "PARALLEL_MIN_ROWS", parallel_min_rows)

    plain = intake_batch(batch.manifest, roster, settings, [], now=NOW)
    with_ids = intake_batch(
        batch.manifest, roster, settings, [], now=NOW, name_words=lambda: words_file
    )

    assert plain.name_ids_from is None
    assert with_ids.name_ids_from == words_file
    assert with_ids.verdicts.equals(plain.verdicts)
    assert with_ids.counts == plain.counts
    expected = name_match_columns(plain.standardized, WordIds.from_table(pq.read_table(words_file)))
    for name in MATCH_COLUMNS:
        assert with_ids.standardized.column(name).equals(pa.chunked_array([expected[name]]))
    assert 7 in pc.list_flatten(with_ids.standardized.column("name_surname_token_ids")).to_pylist()
    # Columns made on another index's words are not taken for this one's.
    other = tmp_path / "other_words.parquet"
    pq.write_table(WordIds({"GARCIA": 70}).table(), other)
    assert requests_table(with_ids, other).equals(requests_table(plain, other))
    made_after = requests_table(plain, words_file)

    def not_again(*_args: object) -> None:
        raise AssertionError("the match columns were made again")

    monkeypatch.setattr(inputs, "name_match_columns", not_again)
    assert requests_table(with_ids, words_file).equals(made_after)
