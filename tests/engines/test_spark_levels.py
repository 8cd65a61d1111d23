"""The hand-made comparison cases of tests/match, run on Spark: the same level for every pair
and every comparison as on DuckDB, and the level each case expects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pyarrow as pa
import pytest
from tests.match.index_tables import address_tables
from tests.match.test_comparisons import (
    ADDRESS_CASES,
    ADDRESS_OF_RECORD,
    BORN,
    DOB_CASES,
    MIDDLE_CASES,
    NAME_CASES,
    NOISY_NAME_CASES,
    NOISY_STREET_CASES,
)

from ivs.engines import DuckDBEngine
from ivs.engines.base import Engine
from ivs.engines.spark_engine import SparkEngine
from ivs.match.comparisons import ADDRESS, COMPARISONS, DOB, MIDDLE, NAME, RULE_COMPARISONS
from ivs.match.name_columns import with_name_match_columns
from ivs.match.pipeline import comparison_steps
from ivs.standardize.address import standardize_address
from ivs.standardize.name import standardize_name

# One xdist worker runs every Spark test: one JVM, and the other worker stays free.
pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

NAME_PAIR = (("Lopez", "Ana", None, None), ("LOPEZ", "ANA", None, None))


def _cases() -> list[tuple[tuple[str | None, ...], tuple[str | None, ...], tuple[str | None, ...]]]:
    """(request name, taxpayer name, request address) for every case, names first."""
    return (
        [(asked, taxpayer, ADDRESS_OF_RECORD) for asked, taxpayer, _ in NAME_CASES]
        + [(NAME_PAIR[0], NAME_PAIR[1], address) for address, _ in ADDRESS_CASES]
        + [
            (("Reed", "Betty", asked, None), ("REED", "BETTY", given, None), ADDRESS_OF_RECORD)
            for asked, given, _ in MIDDLE_CASES
        ]
    )


def _tables() -> dict[str, pa.Table]:
    requests, taxpayers = [], []
    for i, (asked, taxpayer, address) in enumerate(_cases()):
        requests.append(
            {
                **standardize_name(*asked),
                **standardize_address(*address),
                "request_key": i,
                "tin_norm": None,
            }
        )
        taxpayers.append({**standardize_name(*taxpayer), "tin": f"{i:09d}"})
    # The dated cases follow: the date-of-birth cases, one name pair at the address of record
    # each, then the noisy names and the noisy streets, both sides born on one day.
    dated = [
        (*NAME_PAIR, ADDRESS_OF_RECORD, date.fromisoformat(a), r and date.fromisoformat(r))
        for a, r, _ in DOB_CASES
    ]
    dated += [
        (asked, taxpayer, ADDRESS_OF_RECORD, BORN, BORN) for asked, taxpayer, _ in NOISY_NAME_CASES
    ]
    dated += [(*NAME_PAIR, address, BORN, BORN) for address, _ in NOISY_STREET_CASES]
    for asked_name, taxpayer_name, address, _, _ in dated:
        i = len(requests)
        requests.append(
            {
                **standardize_name(*asked_name),
                **standardize_address(*address),
                "request_key": i,
                "tin_norm": None,
            }
        )
        taxpayers.append({**standardize_name(*taxpayer_name), "tin": f"{i:09d}"})
    n = len(requests)
    undated: list[date | None] = [None] * (n - len(dated))
    asked = pa.array(undated + [a for *_, a, _ in dated], pa.date32())
    on_record = pa.array(undated + [r for *_, r in dated], pa.date32())
    return {
        "req": with_name_match_columns(
            pa.Table.from_pylist(requests)
            .append_column("dob", asked)
            .append_column("dob_aside", pa.nulls(n, pa.date32()))
        ),
        "tp": with_name_match_columns(
            pa.Table.from_pylist(taxpayers).append_column("date_of_birth", on_record)
        ),
        **address_tables(
            pa.Table.from_pylist([{**standardize_address(*ADDRESS_OF_RECORD), "form_id": 0}]),
            [f"{i:09d}" for i in range(n)],
            [0] * n,
        ),
        "restr": pa.table(
            {
                "tin": pa.array([], pa.string()),
                "since": pa.array([], pa.date32()),
                "until": pa.array([], pa.date32()),
            }
        ),
        "pairs": pa.table({"request_key": list(range(n)), "tin": [f"{i:09d}" for i in range(n)]}),
    }


def _levels(engine: Engine) -> list[dict[str, int]]:
    for name, table in _tables().items():
        engine.register(name, table)
    engine.run(comparison_steps(on=date(2025, 6, 27), dialect=engine.dialect))
    columns = ", ".join(f"{c.name}_level" for c in (*COMPARISONS, *RULE_COMPARISONS))
    return engine.arrow(f"SELECT {columns} FROM compared ORDER BY request_key").to_pylist()


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkEngine]:
    with SparkEngine() as engine:
        yield engine


def test_every_case_has_the_same_levels_on_both_engines(spark: SparkEngine) -> None:
    with DuckDBEngine(threads=1) as duck:
        want = _levels(duck)
    got = _levels(spark)
    assert got == want
    expected = [level for *_, level in NAME_CASES] + [level for _, level in ADDRESS_CASES]
    labels = [
        NAME.labels()[row["name_level"]]
        if i < len(NAME_CASES)
        else ADDRESS.labels()[row["address_level"]]
        for i, row in enumerate(got[: len(expected)])
    ]
    assert labels == expected
    rest = got[len(expected) :]
    middles = [MIDDLE.labels()[row["middle_level"]] for row in rest[: len(MIDDLE_CASES)]]
    assert middles == [level for *_, level in MIDDLE_CASES]
    rest = rest[len(MIDDLE_CASES) :]
    dobs = [DOB.labels()[row["dob_level"]] for row in rest[: len(DOB_CASES)]]
    assert dobs == [level for *_, level in DOB_CASES]
    rest = rest[len(DOB_CASES) :]
    noisy = [NAME.labels()[row["name_level"]] for row in rest[: len(NOISY_NAME_CASES)]]
    assert noisy == [level for *_, level in NOISY_NAME_CASES]
    streets = [ADDRESS.labels()[row["address_level"]] for row in rest[len(NOISY_NAME_CASES) :]]
    assert streets == [level for _, level in NOISY_STREET_CASES]
