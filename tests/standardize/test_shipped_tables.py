"""The tables ``ivs.standardize`` ships are what their sources give today.

When one fails, run ``scripts/standardize_tables.py`` and review the difference it writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import zipcodes

from ivs.standardize.address import _facility_keys, standardized_facility_keys
from ivs.standardize.address_tables import zip_city_names, zip_states

REGENERATE = "the files in src/ivs/standardize/data/ are stale: run scripts/standardize_tables.py"


def _rows() -> list[dict[str, Any]]:
    return cast(Callable[[], list[dict[str, Any]]], zipcodes.list_all)()


def test_zip_states_are_the_packages() -> None:
    expected: dict[str, set[str]] = {}
    for row in _rows():
        expected.setdefault(row["zip_code"], set()).add(row["state"])
    got = zip_states()
    assert got == {k: frozenset(v) for k, v in expected.items()}, (
        f"zipcodes {zipcodes.__version__}: {REGENERATE}"
    )
    assert all(type(v) is frozenset for v in got.values())


def test_zip_city_names_are_the_packages() -> None:
    expected: set[str] = set()
    for row in _rows():
        expected.add(str(row["city"]).upper())
        expected.update(str(c).upper() for c in row.get("acceptable_cities") or ())
    assert zip_city_names() == expected, f"zipcodes {zipcodes.__version__}: {REGENERATE}"


def test_facility_keys_are_the_lists_standardized_today() -> None:
    by_zip, by_city = _facility_keys()
    assert (by_zip.to_pylist(), by_city.to_pylist()) == standardized_facility_keys(), REGENERATE
    assert len(by_zip) > 6000
    assert len(by_city) > 6000
