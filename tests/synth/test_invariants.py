"""Each category is what it claims to be, checked against the master as written on disk.

The checks read the files back and recompute what they need (last known addresses, names at
an address) independently of the generator's own index arrays.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from ivs.domain.codes import REJECTION_CODES
from ivs.formats import read_master_table, read_records

SUBMITTED = date(2025, 6, 27)
_ITIN_GROUP = re.compile(r"^9\d\d(5[0-9]|6[0-5]|7[0-9]|8[0-8]|9[0-2]|9[4-9])\d{4}$")


def canonical(text: str | None) -> str:
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text.upper().replace("Đ", "D"))
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


def person_key(first: str | None, last: str | None) -> tuple[str, str]:
    return canonical(first), canonical(last)


def building(street: str | None, zip_code: str | None) -> tuple[str, str]:
    return canonical(street), (zip_code or "")[:5]


@dataclass
class Master:
    taxpayers: dict[str, dict[str, Any]]
    addresses: dict[str, list[dict[str, Any]]]
    by_building: dict[tuple[str, str], list[dict[str, Any]]]
    restrictions: list[dict[str, Any]]

    def last_known(self, tin: str) -> dict[str, Any]:
        return max(self.addresses[tin], key=lambda r: (r["received_date"], r["tax_year"]))


@pytest.fixture(scope="module")
def master(world_dir: Path) -> Master:
    folder = world_dir / "master"
    taxpayers = {
        r["tin"]: r
        for r in read_master_table(folder / "taxpayers.parquet", "taxpayers").to_pylist()
    }
    addresses: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_building: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in read_master_table(folder / "addresses.parquet", "addresses").to_pylist():
        addresses[row["tin"]].append(row)
        by_building[building(row["street_address"], row["zip"])].append(row)
    restrictions = read_master_table(folder / "restrictions.parquet", "restrictions").to_pylist()
    return Master(taxpayers, dict(addresses), dict(by_building), restrictions)


@pytest.fixture(scope="module")
def requests(world_dir: Path) -> list[dict[str, Any]]:
    records = read_records(world_dir / "batch" / "SYN-7-A.records.csv").to_pylist()
    truth = pq.read_table(world_dir / "truth.parquet").to_pylist()
    return [{**r, "truth": t} for r, t in zip(records, truth, strict=True)]


def of(requests: list[dict[str, Any]], category: str) -> list[dict[str, Any]]:
    out = [r for r in requests if r["truth"]["category"] == category]
    assert out, f"no {category} requests in the test world"
    return out


def same_name_at_building(master: Master, request: dict[str, Any]) -> set[str]:
    """TINs at the request's building whose first and last name are the request's."""
    wanted = person_key(request["first_name"], request["last_name"])
    rows = master.by_building.get(building(request["street_address"], request["zip"]), [])
    return {
        r["tin"]
        for r in rows
        if person_key(
            master.taxpayers[r["tin"]]["first_name"], master.taxpayers[r["tin"]]["last_name"]
        )
        == wanted
    }


def test_master_tins_are_valid_and_a_third_are_itins(master: Master) -> None:
    itins = 0
    for tin, row in master.taxpayers.items():
        if row["tin_type"] == "ITIN":
            itins += 1
            assert _ITIN_GROUP.match(tin), tin
        else:
            area, group, serial = tin[:3], tin[3:5], tin[5:]
            assert area not in ("000", "666"), tin
            assert area[0] != "9", tin
            assert group != "00", tin
            assert serial != "0000", tin
    assert 0.28 < itins / len(master.taxpayers) < 0.38


def test_exact_requests_name_the_last_known_address(
    master: Master, requests: list[dict[str, Any]]
) -> None:
    for request in of(requests, "exact"):
        tin = request["truth"]["tin"]
        last = master.last_known(tin)
        for column in ("street_address", "unit", "city", "state", "zip"):
            assert request[column] == last[column], (request["request_id"], column)
        person = master.taxpayers[tin]
        assert (request["first_name"], request["last_name"]) == (
            person["first_name"],
            person["last_name"],
        )
        assert same_name_at_building(master, request) == {tin}
        assert request["truth"]["expected_outcome"] == "DISCLOSED"
        assert request["truth"]["lawfully_matchable"]


def test_variants_are_at_an_address_of_record_with_one_or_two_distortions(
    master: Master, requests: list[dict[str, Any]]
) -> None:
    for request in of(requests, "variant"):
        tin = request["truth"]["tin"]
        variations = request["truth"]["variations"].split(";")
        assert 1 <= len(variations) <= 2, request["truth"]
        zips = {r["zip"] for r in master.addresses[tin]}
        assert request["zip"][:5] in zips
        # Without the unit the request does not name the address to the unit (the law's bar).
        expected = "NOT_DISCLOSED" if "unit_missing" in variations else "DISCLOSED"
        assert request["truth"]["expected_outcome"] == expected
        assert request["truth"]["lawfully_matchable"] is (expected == "DISCLOSED")


def test_household_jr_sr_is_two_taxpayers_of_one_name_at_one_address(
    master: Master, requests: list[dict[str, Any]]
) -> None:
    for request in of(requests, "household_jr_sr"):
        assert request["name_suffix"] is None
        assert request["tin"] is None
        assert request["date_of_birth"] is None
        tins = same_name_at_building(master, request)
        suffixes = {master.taxpayers[t]["name_suffix"] for t in tins}
        births = {master.taxpayers[t]["date_of_birth"] for t in tins}
        assert len(tins) >= 2
        assert {"JR", "SR"} <= suffixes
        assert len(births) >= 2
        assert request["truth"]["expected_outcome"] == "NOT_DISCLOSED"
        assert not request["truth"]["lawfully_matchable"]


def test_same_name_building_is_two_units_of_one_building(
    master: Master, requests: list[dict[str, Any]]
) -> None:
    for request in of(requests, "same_name_building"):
        assert request["unit"] is None
        tins = same_name_at_building(master, request)
        assert len(tins) >= 2
        units = {
            r["unit"]
            for t in tins
            for r in master.addresses[t]
            if building(r["street_address"], r["zip"])
            == building(request["street_address"], request["zip"])
        }
        assert len(units) >= 2


def test_same_name_roommates_share_one_address(
    master: Master, requests: list[dict[str, Any]]
) -> None:
    for request in of(requests, "same_name_roommates"):
        assert len(same_name_at_building(master, request)) >= 2


def test_moved_and_never_filed_are_not_at_an_address_of_record(
    master: Master, requests: list[dict[str, Any]]
) -> None:
    for request in of(requests, "moved"):
        tin = request["truth"]["tin"]
        assert tin in master.taxpayers
        ours = {building(r["street_address"], r["zip"]) for r in master.addresses[tin]}
        assert building(request["street_address"], request["zip"]) not in ours
        assert not same_name_at_building(master, request)
    for request in of(requests, "never_filed"):
        assert request["truth"]["tin"] is None
        assert request["tin"] is None or request["tin"].replace("-", "") not in master.taxpayers
        assert not same_name_at_building(master, request)


def test_tin_conflict_gives_another_taxpayers_tin(
    master: Master, requests: list[dict[str, Any]]
) -> None:
    for request in of(requests, "tin_conflict"):
        given = request["tin"].replace("-", "")
        assert given in master.taxpayers
        assert given != request["truth"]["tin"]


def test_restricted_taxpayers_are_restricted_on_the_submission_date(
    master: Master, requests: list[dict[str, Any]]
) -> None:
    in_force = {
        r["tin"]
        for r in master.restrictions
        if r["since"] <= SUBMITTED and (r["until"] is None or r["until"] >= SUBMITTED)
    }
    for request in of(requests, "restricted"):
        assert request["truth"]["tin"] in in_force
    for request in of(requests, "exact"):
        assert request["truth"]["tin"] not in in_force


def test_deficient_share_and_codes(requests: list[dict[str, Any]], master: Master) -> None:
    deficient = of(requests, "deficient")
    assert abs(len(deficient) / len(requests) - 0.05) < 0.005
    codes = {r["truth"]["expected_code"] for r in deficient}
    assert codes <= set(REJECTION_CODES)
    assert len(codes) >= 8
    with_real_tin = [
        r for r in deficient if r["tin"] and r["tin"].replace("-", "") in master.taxpayers
    ]
    assert len(with_real_tin) > len(deficient) / 3
    for request in requests:
        outcome = request["truth"]["expected_outcome"]
        assert (outcome == "REJECTED") == (request["truth"]["expected_code"] is not None)


def test_every_record_has_its_own_reason_and_a_unique_a_number(
    requests: list[dict[str, Any]],
) -> None:
    reasons = [r["reason"] for r in requests]
    assert all(reasons)
    assert len(set(reasons)) == len(reasons)
    numbers = [r["a_number"] for r in requests if r["a_number"]]
    digits = [n.lstrip("A").rjust(9, "0") for n in numbers]
    assert len(set(digits)) == len(digits)
    sound = [
        r
        for r in requests
        if r["truth"]["expected_code"] not in ("ANUMBER_MISSING", "ANUMBER_MALFORMED")
    ]
    assert all(re.fullmatch(r"A?\d{8,9}", r["a_number"]) for r in sound)


def test_sound_orders_are_final_more_than_90_days_before_submission(
    requests: list[dict[str, Any]],
) -> None:
    for request in requests:
        days = (SUBMITTED - date.fromisoformat(request["removal_order_final_date"])).days
        if request["truth"]["expected_code"] == "ORDER_NOT_FINAL_90_DAYS":
            assert 0 < days < 90
        else:
            assert days > 90
