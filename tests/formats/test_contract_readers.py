"""Contract readers name file, line and field for malformed input; writers round-trip."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from tests.intake.batch_factory import make_batch

from ivs.domain.errors import FormatError, FormatErrors
from ivs.formats import (
    canonical_manifest,
    read_manifest,
    read_master_table,
    read_response,
    read_signers,
    response_bytes,
    write_master_table,
    write_response,
)

GOLDEN = Path(__file__).parent.parent / "data" / "formats"


def test_response_bytes_are_exactly_the_contract(tmp_path: Path) -> None:
    table = pa.table(
        {
            "request_id": ["R1", "R2", "R3"],
            "outcome": ["DISCLOSED", "NOT_DISCLOSED", "REJECTED"],
            "street_address": ["55 ELM AVE", None, None],
            "unit": [None, None, None],
            "city": ["HOUSTON", None, None],
            "state": ["TX", None, None],
            "zip": ["77004", None, None],
            "rejection_reason": [None, None, "ADDRESS_PLACEHOLDER"],
            "advisories": ["DOB_FUTURE;TIN_MALFORMED", None, None],
        }
    )
    golden = (GOLDEN / "response.csv").read_bytes()
    assert response_bytes(table) == golden
    path = tmp_path / "B.response.csv"
    write_response(path, table)
    assert path.read_bytes() == golden
    assert read_response(path).drop_columns(["_row"]).to_pylist() == table.to_pylist()


def test_canonical_manifest_is_the_documented_serialization() -> None:
    raw = {"b": 1, "a": "é", "signature": "x", "nested": {"z": [1, 2], "y": None}}
    assert canonical_manifest(raw) == (GOLDEN / "canonical-manifest.bin").read_bytes()


def test_manifest_problems_are_all_reported_with_their_fields(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, format="x", purpose="", tax_periods=["2024", "FY25"])
    with pytest.raises(FormatErrors) as info:
        read_manifest(batch.manifest)
    fields = {p.field for p in info.value.problems}
    assert {"format", "purpose", "tax_periods"} <= fields
    assert all(p.file == str(batch.manifest) for p in info.value.problems)


def test_manifest_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "m.manifest.json"
    path.write_text('{\n  "format": "ivs-request-batch/1",\n  "batch_id": \n}\n')
    with pytest.raises(FormatError) as info:
        read_manifest(path)
    assert info.value.line == 4


def test_manifest_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "m.manifest.json"
    path.write_bytes(b'{"batch_id": "\xff"}')
    with pytest.raises(FormatError, match="UTF-8"):
        read_manifest(path)


def test_signer_roster_problems_name_entry_and_field(tmp_path: Path) -> None:
    path = tmp_path / "signers.json"
    path.write_text(
        json.dumps(
            {
                "format": "ivs-signers/1",
                "signers": [
                    {
                        "key_id": "a",
                        "agency": "DHS-ICE",
                        "name": "N",
                        "title": "T",
                        "role": "king",
                        "public_key": "AAAA",
                        "valid_from": "2025/01/01",
                        "valid_until": None,
                    },
                ],
            }
        )
    )
    with pytest.raises(FormatErrors) as info:
        read_signers(path)
    fields = {p.field for p in info.value.problems}
    assert fields == {"signers[0].role", "signers[0].public_key", "signers[0].valid_from"}


def test_signer_key_ids_and_agencies_are_identifiers(tmp_path: Path) -> None:
    """A key id or agency code that is not an identifier (a path, a space, a formula) is
    refused at import, the problem naming file, line and field."""
    roster = json.loads(make_batch(tmp_path / "b").signers.read_text())
    good = roster["signers"][0]
    roster["signers"] = [
        good,
        {**good, "key_id": "../../keys/x"},
        {**good, "key_id": "ice director"},
        {**good, "key_id": "=cmd", "agency": "DHS/ICE"},
    ]
    path = tmp_path / "signers.json"
    path.write_text(json.dumps(roster, indent=2))
    with pytest.raises(FormatErrors) as info:
        read_signers(path)
    problems = {(p.field, p.line) for p in info.value.problems}
    lines = path.read_text().splitlines()

    def line_of(text: str) -> int:
        return next(n for n, line in enumerate(lines, 1) if text in line)

    assert problems == {
        ("signers[1].key_id", line_of('"../../keys/x"')),
        ("signers[2].key_id", line_of('"ice director"')),
        ("signers[3].key_id", line_of('"=cmd"')),
        ("signers[3].agency", line_of('"DHS/ICE"')),
    }
    said = str(info.value)
    assert str(path) in said
    assert "must be an identifier" in said


def master_table(**overrides: list[object]) -> pa.Table:
    columns: dict[str, list[object]] = {
        "tin": ["123456789", "234567891"],
        "tin_type": ["SSN", "ITIN"],
        "last_name": ["LEE", "KIM"],
        "first_name": ["ANN", "MIN"],
        "middle_name": [None, None],
        "name_suffix": [None, None],
        "date_of_birth": [date(1980, 1, 1), None],
    }
    columns.update(overrides)
    return pa.table(columns)


def test_master_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "taxpayers.parquet"
    write_master_table(path, master_table(), "taxpayers")
    assert read_master_table(path, "taxpayers").to_pylist() == master_table().to_pylist()


@pytest.mark.parametrize(
    ("csv_text", "line", "field"),
    [
        (
            "tin,tin_type,last_name,first_name,date_of_birth\n12345678,SSN,LEE,ANN,1980-01-01\n",
            2,
            "tin",
        ),
        (
            "tin,tin_type,last_name,first_name,date_of_birth\n123456789,EIN,LEE,ANN,1980-01-01\n",
            2,
            "tin_type",
        ),
        (
            "tin,tin_type,last_name,first_name,date_of_birth\n123456789,SSN,LEE,ANN,01/02/1980\n",
            2,
            "date_of_birth",
        ),
        (
            "tin,tin_type,last_name,first_name,date_of_birth\n123456789,SSN,,ANN,1980-01-01\n",
            2,
            "last_name",
        ),
        ("tin,tin_type,last_name,date_of_birth\n123456789,SSN,LEE,1980-01-01\n", 1, "first_name"),
    ],
)
def test_master_csv_problems_name_line_and_field(
    tmp_path: Path, csv_text: str, line: int, field: str
) -> None:
    path = tmp_path / "taxpayers.csv"
    path.write_text(csv_text)
    with pytest.raises(FormatError) as info:
        read_master_table(path, "taxpayers")
    problems = info.value.problems if isinstance(info.value, FormatErrors) else [info.value.problem]
    assert any(p.field == field and p.line == line for p in problems), problems


def test_master_parquet_with_a_wrong_type(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "addresses.parquet"
    pq.write_table(
        pa.table(
            {
                "tin": ["123456789"],
                "tax_year": ["twenty"],
                "street_address": ["1 A ST"],
                "unit": [None],
                "city": ["X"],
                "state": ["TX"],
                "zip": ["77002"],
                "received_date": [date(2024, 1, 1)],
            }
        ),
        path,
    )
    with pytest.raises(FormatErrors) as info:
        read_master_table(path, "addresses")
    assert info.value.problems[0].field == "tax_year"


def test_duplicate_tins_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "taxpayers.parquet"
    write_master_table(path, master_table(tin=["123456789", "123456789"]), "taxpayers")
    with pytest.raises(FormatErrors, match="unique"):
        read_master_table(path, "taxpayers")
