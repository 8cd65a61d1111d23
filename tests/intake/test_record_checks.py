"""Record checks: each code, positive and negative, and a TIN never excuses a bad address."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from ivs.domain.codes import ADVISORY_CODES, REJECTION_CODES
from ivs.domain.pilot import PilotJurisdiction
from ivs.formats import read_records
from ivs.intake.record_checks import ADVISORY_ORDER, PRECEDENCE, RecordContext, record_verdicts

from .batch_factory import good_record, write_csv

CTX = RecordContext(submitted_on=date(2025, 6, 27))


def std_for(
    n: int,
    *,
    name_defect: list[str | None] | None = None,
    addr_defect: list[str | None] | None = None,
    states: list[str] | None = None,
    zips: list[str] | None = None,
) -> pa.Table:
    return pa.table(
        {
            "name_defect": pa.array(name_defect or [None] * n, pa.string()),
            "addr_defect": pa.array(addr_defect or [None] * n, pa.string()),
            "addr_state": pa.array(states or ["TX"] * n, pa.string()),
            "addr_zip5": pa.array(zips or ["77002"] * n, pa.string()),
        }
    )


def verdicts(
    tmp_path: Path, rows: list[dict[str, str]], ctx: RecordContext = CTX, **std: list[str | None]
) -> list[str | None]:
    path = tmp_path / "r.csv"
    write_csv(path, rows)
    records = read_records(path)
    table = record_verdicts(records, std_for(len(rows), **std), ctx)  # type: ignore[arg-type]
    return table.column("rejection_code").to_pylist()


def one(tmp_path: Path, ctx: RecordContext = CTX, **fields: str) -> str | None:
    rows = [good_record(1, **fields), good_record(2)]
    return verdicts(tmp_path, rows, ctx)[0]


def test_good_records_pass(tmp_path: Path) -> None:
    assert verdicts(tmp_path, [good_record(i) for i in range(5)]) == [None] * 5


def test_precedence_lists_every_code_once() -> None:
    assert sorted(PRECEDENCE) == sorted(REJECTION_CODES)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"removal_order_final_date": ""}, "ORDER_DATE_MISSING"),
        ({"removal_order_final_date": "2024-02-30"}, "ORDER_DATE_INVALID"),
        ({"removal_order_final_date": "01/15/2024"}, "ORDER_DATE_INVALID"),
        ({"removal_order_final_date": "2025-07-01"}, "ORDER_DATE_FUTURE"),
        ({"removal_order_final_date": "2025-04-01"}, "ORDER_NOT_FINAL_90_DAYS"),
        ({"a_number": ""}, "ANUMBER_MISSING"),
        ({"a_number": "A1234567"}, "ANUMBER_MALFORMED"),
        ({"a_number": "B123456789"}, "ANUMBER_MALFORMED"),
        ({"reason": ""}, "REQUEST_NO_REASON"),
        ({"request_id": ""}, "REQUEST_ID_MISSING"),
        ({"request_id": "R2"}, "REQUEST_DUPLICATE_ID"),
        ({"request_id": "../R1"}, "REQUEST_ID_INVALID"),
        ({"request_id": "@SUM(1+1)"}, "REQUEST_ID_INVALID"),
        ({"request_id": "R\x001"}, "REQUEST_ID_INVALID"),
        ({"request_id": "R" * 101}, "REQUEST_ID_INVALID"),
        ({"a_number": "A200000002"}, "REQUEST_DUPLICATE_ANUMBER"),
        ({"a_number": "200000002"}, "REQUEST_DUPLICATE_ANUMBER"),
        ({"first_name": "X" * 1001}, "REQUEST_FIELD_TOO_LONG"),
    ],
)
def test_each_record_rule(tmp_path: Path, fields: dict[str, str], code: str) -> None:
    assert one(tmp_path, **fields) == code


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"tin": "12345678"}, "TIN_MALFORMED"),
        ({"tin": "000-12-3456"}, "TIN_IMPOSSIBLE"),
        ({"tin": "666-12-3456"}, "TIN_IMPOSSIBLE"),
        ({"tin": "123-00-3456"}, "TIN_IMPOSSIBLE"),
        ({"tin": "123-45-0000"}, "TIN_IMPOSSIBLE"),
        ({"tin": "912-40-1234"}, "TIN_IMPOSSIBLE"),
        ({"tin": "912-93-1234"}, "TIN_IMPOSSIBLE"),
        ({"date_of_birth": "1980-13-01"}, "DOB_INVALID"),
        ({"date_of_birth": "2026-01-01"}, "DOB_FUTURE"),
        ({"date_of_birth": "2015-01-01"}, "DOB_IMPLAUSIBLE"),
        ({"date_of_birth": "1900-01-01"}, "DOB_IMPLAUSIBLE"),
        ({"middle_name": "4"}, "NAME_MIDDLE_UNUSABLE"),
        ({"middle_name": " -- "}, "NAME_MIDDLE_UNUSABLE"),
        ({"name_suffix": "XQ"}, "NAME_SUFFIX_UNUSABLE"),
    ],
)
def test_an_unusable_optional_field_is_set_aside_never_rejected(
    tmp_path: Path, fields: dict[str, str], code: str
) -> None:
    path = tmp_path / "r.csv"
    write_csv(path, [good_record(1, **fields), good_record(2)])
    table = record_verdicts(read_records(path), std_for(2), CTX)
    assert table.column("rejection_code").to_pylist() == [None, None]
    assert table.column("advisories").to_pylist() == [code, None]
    # Set aside means missing to matching.
    if code.startswith("TIN_"):
        assert table.column("tin_norm")[0].as_py() is None
    if code.startswith("DOB_"):
        assert table.column("dob")[0].as_py() is None


@pytest.mark.parametrize(
    "fields",
    [
        {"middle_name": "J."},
        {"middle_name": "NMN"},
        {"name_suffix": "Jr."},
        {"name_suffix": "3rd"},
    ],
)
def test_usable_middle_names_and_suffixes_earn_no_advisory(
    tmp_path: Path, fields: dict[str, str]
) -> None:
    path = tmp_path / "r.csv"
    write_csv(path, [good_record(1, **fields), good_record(2)])
    assert record_verdicts(read_records(path), std_for(2), CTX).column(
        "advisories"
    ).to_pylist() == [None, None]


def test_advisories_are_listed_in_order_and_are_not_rejection_codes() -> None:
    assert tuple(ADVISORY_CODES) == ADVISORY_ORDER
    assert all(c.startswith(("TIN_", "DOB_", "NAME_")) for c in ADVISORY_ORDER)
    assert not set(ADVISORY_ORDER) & set(REJECTION_CODES)


@pytest.mark.parametrize(
    "fields",
    [
        {"removal_order_final_date": "2025-03-29"},  # exactly 90 days before 2025-06-27
        {"a_number": "12345678"},
        {"a_number": "a 123-456-789"},
        {"tin": "123-45-6789"},
        {"tin": "912-70-1234"},  # a valid ITIN
        {"tin": "900-94-1234"},
        {"date_of_birth": "2011-06-27"},  # exactly 14
    ],
)
def test_boundary_values_pass(tmp_path: Path, fields: dict[str, str]) -> None:
    assert one(tmp_path, **fields) is None


def test_name_and_address_defects_come_from_standardization(tmp_path: Path) -> None:
    rows = [good_record(i) for i in range(3)]
    got = verdicts(
        tmp_path,
        rows,
        name_defect=[None, "NAME_PLACEHOLDER", None],
        addr_defect=["ADDRESS_PLACEHOLDER", "ADDRESS_PLACEHOLDER", None],
    )
    assert got == ["ADDRESS_PLACEHOLDER", "NAME_PLACEHOLDER", None]


def test_a_tin_never_excuses_a_deficient_address(tmp_path: Path) -> None:
    rows = [good_record(1, tin="123-45-6789", date_of_birth="1980-01-01"), good_record(2)]
    got = verdicts(tmp_path, rows, addr_defect=["ADDRESS_BARE_NUMBER", None])
    assert got == ["ADDRESS_BARE_NUMBER", None]


def test_custody_facility_policy(tmp_path: Path) -> None:
    rows = [good_record(1), good_record(2)]
    defects: list[str | None] = ["ADDRESS_CUSTODY_FACILITY", None]
    assert verdicts(tmp_path, rows, addr_defect=defects)[0] == "ADDRESS_CUSTODY_FACILITY"
    lenient = RecordContext(submitted_on=date(2025, 6, 27), reject_custody_facility=False)
    assert verdicts(tmp_path, rows, lenient, addr_defect=defects)[0] is None


def test_all_codes_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    write_csv(
        path,
        [
            good_record(1, tin="000-00-0000", a_number="", reason="", date_of_birth="2030-01-01"),
            good_record(2),
        ],
    )
    table = record_verdicts(read_records(path), std_for(2), CTX)
    assert table.column("rejection_codes")[0].as_py() == "ANUMBER_MISSING;REQUEST_NO_REASON"
    assert table.column("rejection_code")[0].as_py() == "ANUMBER_MISSING"
    assert table.column("advisories")[0].as_py() == "TIN_IMPOSSIBLE;DOB_FUTURE"


def test_boilerplate_reasons(tmp_path: Path) -> None:
    rows = [good_record(i, reason="Same reason.") for i in range(3)]
    assert verdicts(tmp_path, rows) == ["REQUEST_BOILERPLATE_REASON"] * 3
    batch_policy = RecordContext(
        submitted_on=date(2025, 6, 27), reason_policy="batch", manifest_reason="x"
    )
    assert verdicts(tmp_path, rows, batch_policy) == [None] * 3


def test_batch_reason_policy_uses_the_manifest_reason(tmp_path: Path) -> None:
    rows = [good_record(1, reason=""), good_record(2)]
    with_reason = RecordContext(
        submitted_on=date(2025, 6, 27), reason_policy="batch", manifest_reason="x"
    )
    without = RecordContext(
        submitted_on=date(2025, 6, 27), reason_policy="batch", manifest_reason=None
    )
    assert verdicts(tmp_path, rows, with_reason) == [None, None]
    assert verdicts(tmp_path, rows, without) == ["REQUEST_NO_REASON", None]


def test_pilot_jurisdictions(tmp_path: Path) -> None:
    rows = [good_record(i) for i in range(3)]
    pilot = RecordContext(
        submitted_on=date(2025, 6, 27),
        pilot=[
            PilotJurisdiction("TX", "770", date(2025, 1, 1)),
            PilotJurisdiction("AZ", None, date(2025, 1, 1)),
        ],
    )
    got = verdicts(
        tmp_path, rows, pilot, states=["TX", "TX", "AZ"], zips=["77002", "75001", "85001"]
    )
    assert got == [None, "REQUEST_OUT_OF_PILOT", None]
    nothing = RecordContext(submitted_on=date(2025, 6, 27), pilot=[])
    assert verdicts(tmp_path, rows, nothing) == ["REQUEST_OUT_OF_PILOT"] * 3
