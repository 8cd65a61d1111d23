"""Address standardization: conformance corpus, path agreement, idempotence, robustness."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ivs.domain.codes import REJECTION_CODES
from ivs.standardize.address import (
    ADDRESS_OUTPUT_SCHEMA,
    standardize_address,
    standardize_addresses,
)
from ivs.standardize.address_defects import DEFECT_PRECEDENCE
from ivs.standardize.address_fast import _STREET, _STREET_ANY_SUFFIX, _street_groups

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "data" / "address_cases.csv"
INPUTS = ("street_address", "unit", "city", "state", "zip")


def _value(text: str) -> str | None:
    return None if text == "<null>" else text


def _cases() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _generator() -> Any:
    path = ROOT / "benchmarks" / "bench_standardize_addresses.py"
    spec = importlib.util.spec_from_file_location("bench_standardize_addresses", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_corpus_is_large_and_sourced() -> None:
    cases = _cases()
    assert len(cases) >= 300
    assert all(case["source"].strip() for case in cases)
    defects = {case["addr_defect"] for case in cases} - {"<null>"}
    assert defects == set(DEFECT_PRECEDENCE)
    kinds = {case["addr_kind"] for case in cases}
    assert kinds >= {"street", "po_box", "rural_route", "highway_contract", "military"}
    assert kinds >= {"general_delivery", "unknown"}


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c['street_address']}|{c['unit']}")
def test_conformance_case(case: dict[str, str]) -> None:
    got = standardize_address(*(_value(case[name]) for name in INPUTS))
    expected = {k: _value(v) for k, v in case.items() if k.startswith("addr_")}
    assert {k: got[k] for k in expected} == expected, case["source"]


def test_defect_codes_are_the_domain_codes() -> None:
    assert set(DEFECT_PRECEDENCE) <= set(REJECTION_CODES)
    assert {c for c in REJECTION_CODES if c.startswith("ADDRESS_")} == set(DEFECT_PRECEDENCE)


def test_columnar_output_shape_order_and_dedupe() -> None:
    rows = [
        ("123 Main St", None, "Houston", "TX", "77002"),
        ("PO Box 5", None, "Austin", "TX", "78701"),
    ]
    table = pa.table({name: [r[i] for r in rows * 3] for i, name in enumerate(INPUTS)})
    out = standardize_addresses(table)
    assert out.schema == ADDRESS_OUTPUT_SCHEMA
    assert out.column("addr_line").to_pylist() == ["123 MAIN ST", "PO BOX 5"] * 3
    assert standardize_addresses(table.slice(0, 0)).num_rows == 0


def test_unit_in_street_or_unit_column_is_the_same() -> None:
    a = standardize_address("123 Main St Apt 4", None, "Houston", "TX", "77002")
    b = standardize_address("123 Main St", "Apt 4", "Houston", "TX", "77002")
    assert a == b
    assert a["addr_unit"] == "APT 4"


def test_fast_and_slow_paths_agree_on_a_generated_corpus() -> None:
    table = _generator().generate_address_rows(40_000, seed=7)
    fast = standardize_addresses(table)
    slow = standardize_addresses(table, force_slow_path=True)
    fast_share = 1 - sum(1 for v in fast.column("addr_slow_path").to_pylist() if v) / len(fast)
    assert fast_share > 0.5  # the fast path must actually carry the common shapes
    assert all(slow.column("addr_slow_path").to_pylist())
    left = fast.drop_columns(["addr_slow_path"]).to_pylist()
    right = slow.drop_columns(["addr_slow_path"]).to_pylist()
    disagreements = [(i, a, b) for i, (a, b) in enumerate(zip(left, right, strict=True)) if a != b]
    assert disagreements == []


# Streets whose names hold a suffix word (VISTA, LAKE, HILL, LA for LANE), a highway keyword
# without its number (MARKET, COUNTY, STATE) or a unit designator that takes no number (FRONT,
# REAR): common names, which the per-record parser reads as names too.
_NAMES_WITH_KEYWORD_WORDS = [
    "811 VISTA DEL MAR ST",
    "5 BUENA VISTA AVE APT 103",
    "22 LAKE SHORE DR E",
    "685 GRANITE HILL RD",
    "564 LA BREA AVE",
    "117 MARKET ST",
    "9 FARM MARKET RD",
    "40 COUNTY LINE RD",
    "12 STATE FAIR BLVD",
    "74 FRONT ST # 3",
    "8 REAR ADMIRAL WAY",
    "300 PARK VIEW TER",
    "1 OCEAN VIEW AVE SW",
    "19 MILL CREEK RD UNIT 4",
    "7 SPRING VALLEY CT",
    "2 FOREST GLEN PKWY",
]


def test_names_with_suffix_highway_or_unit_words_take_the_fast_path_unchanged() -> None:
    table = pa.table(
        {
            "street_address": _NAMES_WITH_KEYWORD_WORDS,
            "unit": [None] * len(_NAMES_WITH_KEYWORD_WORDS),
            "city": ["SEATTLE"] * len(_NAMES_WITH_KEYWORD_WORDS),
            "state": ["WA"] * len(_NAMES_WITH_KEYWORD_WORDS),
            "zip": ["98101"] * len(_NAMES_WITH_KEYWORD_WORDS),
        }
    )
    fast = standardize_addresses(table)
    slow = standardize_addresses(table, force_slow_path=True)
    assert not any(fast.column("addr_slow_path").to_pylist())
    assert (
        fast.drop_columns(["addr_slow_path"]).to_pylist()
        == slow.drop_columns(["addr_slow_path"]).to_pylist()
    )
    assert fast.column("addr_street_name").to_pylist()[:3] == [
        "VISTA DEL MAR",
        "BUENA VISTA",
        "LAKE SHORE",
    ]


@pytest.mark.parametrize(
    "line",
    ["12 OLD NORTH RD", "12 APT B ST", "12 FIFTH AVE", "12 PO BOX ST", "12 ST JAMES PL"],
)
def test_a_word_whose_place_decides_its_reading_keeps_the_slow_path(line: str) -> None:
    table = pa.table({"street_address": [line], "city": ["SEATTLE"], "state": ["WA"]})
    fast = standardize_addresses(table)
    slow = standardize_addresses(table, force_slow_path=True)
    assert fast.column("addr_slow_path").to_pylist() == [True]
    assert fast.drop_columns(["addr_slow_path"]).equals(slow.drop_columns(["addr_slow_path"]))


def test_the_cheaper_street_regex_gives_the_original_groups() -> None:
    tricky = [
        "12 MAIN ST N",
        "12 MAIN ST N APT 4",
        "12 N MAIN ST",
        "12 OLD MILL RD",
        "12 PARK AVE CT",
        "12 LAKE VIEW DR E",
        "12 5TH AVE SW",
        "12 MAIN XYZ",
        "12 MAIN ST # 4",
        "PO BOX 12",
        "12 MAIN",
    ]
    rows = _generator().generate_address_rows(20_000, seed=11)
    lines = pa.array(tricky + [s.upper() for s in rows.column("street_address").to_pylist() if s])
    assert _STREET_ANY_SUFFIX != _STREET
    assert _street_groups(lines).equals(pc.extract_regex(lines, _STREET))


def _rendered(result: dict[str, Any]) -> tuple[str | None, ...]:
    street = result["addr_line"]
    if result["addr_urbanization"]:
        street = f"{result['addr_urbanization']} {street}"
    zip_code = result["addr_zip5"]
    if zip_code and result["addr_zip4"]:
        zip_code = f"{zip_code}-{result['addr_zip4']}"
    return (street, result["addr_unit"], result["addr_city"], result["addr_state"], zip_code)


_PARTS = ("addr_line", "addr_unit", "addr_city", "addr_state", "addr_zip5", "addr_zip4")


@pytest.mark.parametrize("case", _cases()[::3], ids=lambda c: c["street_address"])
def test_corpus_forms_are_idempotent(case: dict[str, str]) -> None:
    first = standardize_address(*(_value(case[name]) for name in INPUTS))
    if first["addr_line"] is None:
        return
    second = standardize_address(*_rendered(first))
    assert {k: second[k] for k in _PARTS} == {k: first[k] for k in _PARTS}


_address_text = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda n, d, w, s, u: f"{n} {d} {w} {s} {u}",
        st.integers(1, 99999),
        st.sampled_from(["", "N", "SOUTH", "NE"]),
        st.sampled_from(["MAIN", "OAK PARK", "FIFTH", "STATE HIGHWAY 71", "500"]),
        st.sampled_from(["ST", "AVENUE", "Rd.", "", "E"]),
        st.sampled_from(["", "APT 4", "#4-B", "LOT 12", "REAR"]),
    ),
    st.sampled_from(["PO BOX 12", "RR 2 BOX 5", "HC 1 BOX 3", "URB LAS GLADIOLAS 150 CALLE A"]),
)


@settings(max_examples=150, deadline=None)
@given(street=_address_text, unit=st.one_of(st.none(), st.text(max_size=10)))
# A pound sign whose id is no unit's, and another before it: neither is left in the street.
@example(street="#¼", unit="¼")
def test_standardization_is_idempotent(street: str, unit: str | None) -> None:
    first = standardize_address(street, unit, "Houston", "TX", "77002")
    if first["addr_line"] is None:
        return
    second = standardize_address(*_rendered(first))
    assert {k: second[k] for k in _PARTS} == {k: first[k] for k in _PARTS}


@settings(max_examples=150, deadline=None)
@given(fields=st.lists(st.one_of(st.none(), st.text()), min_size=5, max_size=5))
def test_never_raises_on_any_text(fields: list[str | None]) -> None:
    result = standardize_address(*fields)
    assert result["addr_kind"] in {
        "street", "po_box", "rural_route", "highway_contract", "military", "general_delivery",
        "unknown",
    }  # fmt: skip


def test_never_raises_on_nul_bytes_and_huge_strings() -> None:
    huge = "123 MAIN ST " * 90_000  # about 1 MB
    table = pa.table(
        {
            "street_address": ["\x00123\x00 MAIN ST", huge, "\ud7ff\U0010ffff", "\x1f"],
            "unit": [None, huge, "#\x00", "\x1f"],
            "city": ["\x00", huge, None, "X"],
            "state": ["TX\x00", huge, "", "TX"],
            "zip": ["77002\x00", huge, "", "77002"],
        }
    )
    out = standardize_addresses(table)
    assert out.num_rows == 4
    assert out.column("addr_line")[0].as_py() == "123 MAIN ST"


@pytest.mark.parametrize(
    ("street", "unit", "defect"),
    [
        ("", "¼#", "ADDRESS_UNIT_ONLY"),  # a unit id that does not parse is still only a unit
        ("", "1/4", "ADDRESS_UNIT_ONLY"),
        ("12 MAIN ST #", None, None),  # a pound sign naming nothing is dropped
        ("@@ ~~ 1/4", None, "ADDRESS_NO_HOUSE_NUMBER"),  # a fraction is no street address
    ],
)
def test_lines_that_locate_nothing_are_never_sufficient(
    street: str, unit: str | None, defect: str | None
) -> None:
    assert standardize_address(street, unit, "Houston", "TX", "77002")["addr_defect"] == defect


@pytest.mark.parametrize(
    ("written", "zip5", "defect"),
    [
        ("981O1", "98101", None),  # a scanned O for a zero
        ("98l01", "98101", None),  # a lower-case L for a one
        ("981I1-0001", "98111", None),
        ("98101", "98101", None),
        ("9A101", None, "ADDRESS_MALFORMED_ZIP"),  # any other letter is no digit
    ],
)
def test_zip_letters_that_stand_for_digits(
    written: str, zip5: str | None, defect: str | None
) -> None:
    got = standardize_address("5 ELM ST", None, "SEATTLE", "WA", written)
    assert (got["addr_zip5"], got["addr_defect"]) == (zip5, defect)


@pytest.mark.parametrize(
    ("written", "number", "street"),
    [
        ("Nº 1193 Matheis St", "1193", "MATHEIS"),  # a number mark
        ("num.ro 222 SW Klipsan Ln", "222", "KLIPSAN"),
        ("No. 12 Elm St", "12", "ELM"),
        ("S4884 Maple St", "54884", "MAPLE"),  # a scanned S for a 5, leading
        ("1o376 W Columbus St", "10376", "COLUMBUS"),  # an O for a 0 between digits
        ("36s0 N Dry Well Rd", "3650", "DRY WELL"),
        ("5Z22 Susquehanna St", "5222", "SUSQUEHANNA"),
        ("G117 Granny Smith Ct", "6117", "GRANNY SMITH"),  # a G for a 6, leading
        ("3G50 N Dry Well Rd", "3650", "DRY WELL"),
        ("Z8o5 Mc Cabe Rd", "2805", "MC CABE"),  # two letters, leading and between digits
        ("2zS5 Harmony Ridge Dr", "2255", "HARMONY RIDGE"),
        ("1B04 Elm St", "1804", "ELM"),  # a B for an 8 between digits
        ("|1614 Lakewood Dr", "11614", "LAKEWOOD"),  # a bar for a 1, which cleaning dropped
        ("6|7 NW 27 Ct", "617", "27"),  # ... or split the number at
        ("||34 Candlelight St", "1134", "CANDLELIGHT"),
        ("|0O48 Hobart Street", "10048", "HOBART"),  # a bar and an O
        ("12 Main St | Apt 4", "12", "MAIN"),  # a bar after the first word is punctuation
        ("12S Main St", "12S", "MAIN"),  # a letter at the end is a real suffix
        ("12B Main St", "12B", "MAIN"),
        ("N123W4567 Main St", "N123W4567", "MAIN"),  # a grid address is left as it is
    ],
)
def test_house_numbers_written_with_a_mark_or_a_letter_for_a_digit(
    written: str, number: str, street: str
) -> None:
    got = standardize_address(written, None, "SEATTLE", "WA", "98101")
    assert (got["addr_house_number"], got["addr_street_name"], got["addr_defect"]) == (
        number,
        street,
        None,
    )


@pytest.mark.parametrize(
    ("city", "defect"),
    [
        ("SEATTLE", None),
        ("", "ADDRESS_NO_CITY"),
        ("   ", "ADDRESS_NO_CITY"),  # blank after trimming
        (None, "ADDRESS_NO_CITY"),
        ("--", "ADDRESS_NO_CITY"),  # punctuation cleans to nothing: no city written
        ("N/A", "ADDRESS_PLACEHOLDER"),  # a placeholder gives no city either
        ("Unknown", "ADDRESS_PLACEHOLDER"),
        ("na", "ADDRESS_PLACEHOLDER"),
        ("Not Provided", "ADDRESS_PLACEHOLDER"),
    ],
)
def test_a_delivery_line_without_a_city_is_not_an_address(
    city: str | None, defect: str | None
) -> None:
    assert standardize_address("5 ELM ST", None, city, "WA", "98101")["addr_defect"] == defect
    # A box address needs its city as much as a street address does.
    assert standardize_address("PO BOX 12", None, city, "WA", "98101")["addr_defect"] == defect


def test_a_real_place_named_like_a_placeholder_is_a_city() -> None:
    # Street, Maryland 21154: STREET is a placeholder as a delivery line, not as a city.
    assert standardize_address("5 ELM ST", None, "Street", "MD", "21154")["addr_defect"] is None
    got = standardize_address("STREET", None, "Street", "MD", "21154")["addr_defect"]
    assert got == "ADDRESS_PLACEHOLDER"


@pytest.mark.parametrize(
    ("state", "zip_code", "defect"),
    [
        # 70046 (Davant, Louisiana; on the HIFLD facility list) is a real ZIP that the ZIP
        # table lacks: its prefix 700 is Louisiana's, so it is accepted there, and only there.
        ("LA", "70046", None),
        ("TX", "70046", "ADDRESS_ZIP_STATE_MISMATCH"),
        # 98789: no ZIP uses the prefix 987 (an unassigned sectional center): no state's ZIP.
        ("WA", "98789", "ADDRESS_ZIP_STATE_MISMATCH"),
        ("WA", "98789-1234", "ADDRESS_ZIP_STATE_MISMATCH"),
        ("NY", "00012", "ADDRESS_ZIP_STATE_MISMATCH"),  # 000: never a ZIP prefix
        ("WA", "98101", None),  # in the table and in the state
        ("OR", "98101", "ADDRESS_ZIP_STATE_MISMATCH"),  # in the table, in another state
    ],
)
def test_a_zip_the_table_lacks_is_judged_by_its_prefix(
    state: str, zip_code: str, defect: str | None
) -> None:
    got = standardize_address("5 ELM ST", None, "SOMEWHERE", state, zip_code)["addr_defect"]
    assert got == defect


def test_the_zips_judged_by_prefix_are_unknown_to_the_table() -> None:
    from ivs.standardize.address_tables import zip_prefix_states, zip_states

    assert {"70046", "98789", "00012"}.isdisjoint(zip_states())
    assert zip_prefix_states()["700"] == {"LA"}
    assert {"987", "000"}.isdisjoint(zip_prefix_states())


@pytest.mark.parametrize("force_slow_path", [False, True])
def test_a_street_named_after_a_city_keeps_its_whole_name(force_slow_path: bool) -> None:
    # The per-record parser's tagger reads "LAKE CITY WAY" as a city written after the street.
    row = standardize_address(
        "123 Salt Lake City Way",
        None,
        "West Valley City",
        "UT",
        "84120",
        force_slow_path=force_slow_path,
    )
    assert (row["addr_street_name"], row["addr_suffix"]) == ("SALT LAKE CITY", "WAY")
    assert row["addr_defect"] == "ADDRESS_CUSTODY_FACILITY"  # a listed facility's address


@pytest.mark.parametrize(
    ("street", "line"),
    [
        # The tagger reads SAN PEDRO as a city and ST as a state; the line had lost its street.
        ("515 1/2 San Pedro St", "515 1/2 SAN PEDRO ST"),
        ("17920 1/2 Los Robles Ct", "17920 1/2 LOS ROBLES CT"),
        # A street without its suffix, read as a city: the record was rejected for no street.
        ("11379 Elm", "11379 ELM"),
        # A city and state written after a whole street are still dropped.
        ("123 Main St Seattle WA", "123 MAIN ST"),
    ],
)
def test_a_place_name_before_the_suffix_is_the_street(street: str, line: str) -> None:
    row = standardize_address(street, None, "Houston", "TX", "77002")
    assert row["addr_line"] == line
    assert row["addr_defect"] is None
