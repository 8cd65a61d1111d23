"""Comparison levels, run by the engine on standardized pairs."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from ivs.domain.errors import ConfigError
from ivs.engines import DuckDBEngine, SqlStep
from ivs.match.comparisons import ADDRESS, COMPARISONS, FUNCTIONS, NAME, level_sql
from ivs.match.name_masks import with_name_masks
from ivs.match.pipeline import comparison_steps
from ivs.standardize.address import standardize_address
from ivs.standardize.name import standardize_name

ADDRESS_OF_RECORD = ("100 N MAIN ST", "APT 4", "HOUSTON", "TX", "77002")


NO_RESTRICTIONS = pa.table(
    {
        "tin": pa.array([], pa.string()),
        "since": pa.array([], pa.date32()),
        "until": pa.array([], pa.date32()),
    }
)


def masked_table(rows: list[dict[str, object]], date_column: str) -> pa.Table:
    """Standardized rows as the engine holds them: name masks, and no date of birth."""
    table = pa.Table.from_pylist([{k: v for k, v in r.items() if k != date_column} for r in rows])
    return with_name_masks(table.append_column(date_column, pa.nulls(len(rows), pa.date32())))


def levels(
    request_name: tuple[str, ...],
    taxpayer_name: tuple[str, ...],
    request_address: tuple[str | None, ...] = ADDRESS_OF_RECORD,
) -> dict[str, str]:
    """Level labels of one request against one taxpayer living at ADDRESS_OF_RECORD."""
    req = {
        **standardize_name(*request_name),
        **standardize_address(*request_address),
        "request_id": "R1",
        "tin_norm": None,
        "dob": None,
    }
    tp = {**standardize_name(*taxpayer_name), "tin": "123456789", "date_of_birth": None}
    form = {**standardize_address(*ADDRESS_OF_RECORD), "form_id": 0}
    with DuckDBEngine(threads=1) as engine:
        engine.register("req", masked_table([req], "dob"))
        engine.register("tp", masked_table([tp], "date_of_birth"))
        engine.register("forms", pa.Table.from_pylist([form]))
        engine.register("addr", pa.table({"tin": ["123456789"], "form_id": [0]}))
        engine.register("restr", NO_RESTRICTIONS)
        engine.run(
            [
                SqlStep("pairs", "SELECT 'R1' AS request_id, '123456789' AS tin"),
                *comparison_steps(on=date(2025, 6, 27)),
            ]
        )
        row = engine.arrow("SELECT * FROM compared").to_pylist()[0]
    return {c.name: c.labels()[row[f"{c.name}_level"]] for c in COMPARISONS}


# (request name, taxpayer name, expected name level); also run on Spark (tests/engines).
NAME_CASES: list[tuple[tuple[str | None, ...], tuple[str | None, ...], str]] = [
    (("García", "José Luis", None, None), ("GARCIA", "JOSE LUIS", None, None), "exact"),
    (("Nguyen", "Van Anh", None, None), ("VAN ANH", "NGUYEN", None, None), "reordered"),
    (
        ("Garcia", "Jose", None, None),
        ("GARCIA MARQUEZ", "JOSE LUIS", None, None),
        "given_and_surname",
    ),
    (("Smith", "Bill", None, None), ("SMITH", "WILLIAM", None, None), "variant"),
    (("Mohamed", "Ali", None, None), ("MUHAMMAD", "ALI", None, None), "variant"),
    (("Rodriquez", "Maria", None, None), ("RODRIGUEZ", "MARIA", None, None), "typo"),
    (("Rodriguez", "Maria", None, None), ("RODRIGUEZ", "MARIO", None, None), "surname_only"),
    (("Jones", "Sue", "Linda", None), ("JONES", "LINDA", None, None), "surname_only"),
    (("Yi", "Zhang", None, None), ("ZHANG", "LI", None, None), "other"),
    (("Lee", "Ann", None, None), ("PARK", "JOHN", None, None), "other"),
    (("Pierre", "Piere", None, None), ("PIERRE", "ROSE", None, None), "surname_only"),
    (
        ("Garcia Lopez", "Jorge", None, None),
        ("RODRIGUEZ LOPEZ", "JORGE", None, None),
        "surname_only",
    ),
    (("Agmed", "Ahmed", None, None), ("AHMED", "MAHMOUD", None, None), "other"),
]


@pytest.mark.parametrize(("asked", "taxpayer", "level"), NAME_CASES)
def test_name_levels(asked: tuple[str, ...], taxpayer: tuple[str, ...], level: str) -> None:
    assert levels(asked, taxpayer)["name"] == level


NAME_PAIR = (("Lopez", "Ana", None, None), ("LOPEZ", "ANA", None, None))


# (request address, expected address level) against ADDRESS_OF_RECORD; also run on Spark.
ADDRESS_CASES: list[tuple[tuple[str | None, ...], str]] = [
    (("100 North Main Street", "Apt. 4", "Houston", "TX", "77002-1234"), "exact"),
    (("100 N Main St", "#4", "Houston", "TX", "77002"), "exact"),
    (("100 N Main St", "Apt 4", "Houston", "TX", "77003"), "exact_city"),
    (("100 N Mian St", "Apt 4", "Houston", "TX", "77002"), "street_typo"),
    (("100 N Main Sterat", "Apt 4", "Houston", "TX", "77002"), "street_typo"),
    (("100 Nrth Main St", "Apt 4", "Houston", "TX", "77002"), "street_typo"),
    (("100 N Main Ct", "Apt 4", "Houston", "TX", "77002"), "same_zip"),
    (("100 N Main St", None, "Houston", "TX", "77002"), "unit_differs"),
    (("100 N Main St", "Apt 5", "Houston", "TX", "77002"), "unit_differs"),
    (("7 Oak Dr", None, "Houston", "TX", "77002"), "same_zip"),
    (("7 Oak Dr", None, "Dallas", "TX", "75201"), "other"),
]


@pytest.mark.parametrize(("address", "level"), ADDRESS_CASES)
def test_address_levels(address: tuple[str | None, ...], level: str) -> None:
    assert levels(*NAME_PAIR, request_address=address)["address"] == level


def test_every_dialect_names_every_function() -> None:
    keys = set(FUNCTIONS["duckdb"])
    assert all(set(names) == keys for names in FUNCTIONS.values())
    for comparison in (NAME, ADDRESS):
        assert level_sql(comparison, "spark") != level_sql(comparison, "duckdb")


def test_unknown_dialect_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown engine dialect"):
        level_sql(NAME, "oracle")
