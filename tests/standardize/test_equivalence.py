"""The quick ways through standardization give exactly what the plain ways give.

Intake standardizes each distinct value once, upper-cases plain text instead of running every
cleaning step, parses each distinct slow-path line once, and standardizes names in a second
process. None of it may change a single output value.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivs.batch.intake_step import standardize_records
from ivs.standardize.address import standardize_address, standardize_addresses
from ivs.standardize.address_clean import clean_text, clean_text_full
from ivs.standardize.name_text import fold, fold_full

ROOT = Path(__file__).resolve().parents[2]

# sha256 of the standardized generated batch below, without the column that says which parser
# read each line. Change it only with a deliberate change to standardization's rules; the last:
# a place name the tagger reads before a street's suffix is the street's, not a city tacked on
# (16 of the 12,000 rows: "18867 1/2 SAN JACINTO PL" and "11379 ELM" had lost their street).
GENERATED_BATCH_DIGEST = "6354f281afe5cfc72737dd2c550ca6b192bfe86abccded0a0a596e75e1009fe3"


def _benchmark(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _generated_batch(rows: int, seed: int) -> pa.Table:
    addresses = _benchmark("bench_standardize_addresses").generate_address_rows(rows, seed=seed)
    names = _benchmark("bench_standardize_names").generate(rows, seed=seed)
    name_columns = ("last_name", "first_name", "middle_name", "name_suffix")
    address_columns = ("street_address", "unit", "city", "state", "zip")
    columns = {c: names.column(c) for c in name_columns}
    columns.update({c: addresses.column(c) for c in address_columns})
    return pa.table(columns)


def _digest(table: pa.Table) -> str:
    text = json.dumps(table.to_pylist(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("parallel", [False, True])
def test_generated_batch_standardizes_exactly_as_before(parallel: bool) -> None:
    out = standardize_records(_generated_batch(12_000, seed=11), parallel=parallel)
    assert _digest(out.drop_columns(["addr_slow_path"])) == GENERATED_BATCH_DIGEST


def test_plain_text_shortcut_agrees_with_every_cleaning_step() -> None:
    table = _generated_batch(5_000, seed=3)
    hostile = ["", " ", "a  b", " lead", "trail ", "ß", "Ünit 4", "12 Main St #", "x" * 700]
    for name in ("street_address", "unit", "city", "state", "zip", "last_name"):
        column = pa.concat_arrays(
            [table.column(name).combine_chunks(), pa.array([*hostile, None], pa.string())]
        )
        assert clean_text(column).to_pylist() == clean_text_full(column).to_pylist()


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.text(max_size=30)), min_size=1, max_size=20))
def test_cleaning_agrees_on_any_text(values: list[str | None]) -> None:
    column = pa.array(values, pa.string())
    assert clean_text(column).to_pylist() == clean_text_full(column).to_pylist()


def test_slow_path_parses_each_line_once_without_mixing_places() -> None:
    # UNIT 2050 BOX 4 is a military address in AE and an apartment unit elsewhere: lines that
    # repeat are parsed once, but never across places where the reading differs.
    rows = [
        ("UNIT 2050 BOX 4", None, "APO", "AE", "09001"),
        ("UNIT 2050 BOX 4", None, "Houston", "TX", "77002"),
        ("182 Buena Vista Ave", None, "Houston", "TX", "77002"),
        ("182 BUENA VISTA AVE", "Apt 2", "Austin", "TX", "78701"),
        ("URB Las Gladiolas 150 Calle A", None, "San Juan", "PR", "00926"),
    ] * 3
    columns = ("street_address", "unit", "city", "state", "zip")
    table = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
    together = standardize_addresses(table, force_slow_path=True).to_pylist()
    one_by_one = [standardize_address(*row, force_slow_path=True) for row in rows]
    assert together == one_by_one
    assert together[0]["addr_kind"] == "military"
    assert together[1]["addr_kind"] != "military"


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=40),
        st.text(alphabet="abcXYZ09 -'.", max_size=40),
        st.sampled_from(["  garcia  lopez ", "LEE-SMITH", "O'BRIEN", "Núñez", "x" * 500]),
    ),
    keep_hyphens=st.booleans(),
)
def test_name_folding_shortcut_agrees_with_every_step(text: str, keep_hyphens: bool) -> None:
    assert fold(text, keep_hyphens=keep_hyphens) == fold_full(text, keep_hyphens=keep_hyphens)
