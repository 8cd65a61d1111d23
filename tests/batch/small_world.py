"""A hand-made master file and batch whose right answers are known record by record."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
from tests.intake.batch_factory import BatchFiles, good_record, make_batch

from ivs.batch.run import RunResult, run_batch
from ivs.domain.settings import load_settings
from ivs.formats import read_signers, write_master_table

# When the batches are submitted and run.
NOW = datetime(2025, 6, 28, tzinfo=UTC)

TAXPAYERS = [
    # tin, type, last, first, middle, suffix, dob
    ("123456789", "SSN", "GARCIA MARQUEZ", "JOSE LUIS", None, None, date(1980, 5, 6)),
    ("234567891", "SSN", "SMITH", "JOHN", None, "SR", date(1955, 1, 1)),
    ("345678912", "SSN", "SMITH", "JOHN", None, "JR", date(1985, 1, 1)),
    ("912701234", "ITIN", "NGUYEN", "VAN ANH", None, None, None),
    ("045678912", "SSN", "LOPEZ", "MARIA", None, None, date(1990, 2, 3)),
    ("567891234", "SSN", "KIM", "MIN JUN", None, None, date(1975, 7, 8)),
    ("678912345", "SSN", "OKAFOR", "CHIDI", None, None, date(1982, 3, 3)),
]
ADDRESSES = [
    # tin, year, street, unit, city, state, zip, received
    ("123456789", 2022, "100 N MAIN ST", "APT 4", "HOUSTON", "TX", "77002", date(2023, 3, 1)),
    ("123456789", 2023, "55 ELM AVE", None, "HOUSTON", "TX", "77004", date(2024, 3, 1)),
    ("234567891", 2023, "7 OAK DR", None, "DALLAS", "TX", "75201", date(2024, 4, 1)),
    ("345678912", 2023, "7 OAK DR", None, "DALLAS", "TX", "75201", date(2024, 4, 2)),
    ("912701234", 2023, "88 PINE ST", None, "SAN JOSE", "CA", "95112", date(2024, 2, 1)),
    ("045678912", 2023, "9 BIRCH RD", None, "PHOENIX", "AZ", "85004", date(2024, 2, 1)),
    ("567891234", 2023, "12 CEDAR LN", None, "QUEENS", "NY", "11354", date(2024, 2, 1)),
    ("678912345", 2023, "3 MAPLE CT", None, "ATLANTA", "GA", "30303", date(2024, 2, 1)),
]
RESTRICTED = [("567891234", "informant", date(2024, 1, 1), None)]


def write_master(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cols = list(zip(*TAXPAYERS, strict=True))
    write_master_table(
        folder / "taxpayers.parquet",
        pa.table(
            dict(
                zip(
                    [
                        "tin",
                        "tin_type",
                        "last_name",
                        "first_name",
                        "middle_name",
                        "name_suffix",
                        "date_of_birth",
                    ],
                    [list(c) for c in cols],
                    strict=True,
                )
            )
        ),
        "taxpayers",
    )
    cols = list(zip(*ADDRESSES, strict=True))
    write_master_table(
        folder / "addresses.parquet",
        pa.table(
            dict(
                zip(
                    [
                        "tin",
                        "tax_year",
                        "street_address",
                        "unit",
                        "city",
                        "state",
                        "zip",
                        "received_date",
                    ],
                    [list(c) for c in cols],
                    strict=True,
                )
            )
        ),
        "addresses",
    )
    cols = list(zip(*RESTRICTED, strict=True))
    write_master_table(
        folder / "restrictions.parquet",
        pa.table(
            dict(zip(["tin", "kind", "since", "until"], [list(c) for c in cols], strict=True)),
            schema=pa.schema(
                [
                    ("tin", pa.string()),
                    ("kind", pa.string()),
                    ("since", pa.date32()),
                    ("until", pa.date32()),
                ]
            ),
        ),
        "restrictions",
    )
    return folder


def rec(  # noqa: PLR0917 - one positional per column keeps the table below readable
    i: int, last: str, first: str, street: str, city: str, state: str, zip_: str, **extra: str
) -> dict[str, str]:
    return good_record(
        i,
        last_name=last,
        first_name=first,
        street_address=street,
        city=city,
        state=state,
        zip=zip_,
        **{"date_of_birth": "", **extra},
    )


# request -> (expected outcome, expected internal code)
REQUESTS: list[tuple[dict[str, str], str, str]] = [
    (
        rec(
            1,
            "García",
            "José Luis",
            "100 North Main Street",
            "Houston",
            "TX",
            "77002",
            unit="Apt. 4",
        ),
        "DISCLOSED",
        "MATCHED",
    ),
    (rec(2, "GARCIA", "JOSE", "55 Elm Avenue", "HOUSTON", "TX", "77004"), "DISCLOSED", "MATCHED"),
    (rec(3, "Smith", "John", "7 Oak Drive", "Dallas", "TX", "75201"), "NOT_DISCLOSED", "AMBIGUOUS"),
    (
        rec(4, "Smith", "John", "7 Oak Drive", "Dallas", "TX", "75201", name_suffix="JR"),
        "DISCLOSED",
        "MATCHED",
    ),
    (rec(5, "Van Anh", "Nguyen", "88 Pine St", "San Jose", "CA", "95112"), "DISCLOSED", "MATCHED"),
    (
        rec(6, "Lopez", "Maria", "10 Birch Rd", "Phoenix", "AZ", "85004"),
        "NOT_DISCLOSED",
        "NO_CANDIDATE",
    ),  # she lives elsewhere in the ZIP; no taxpayer at 10 Birch Rd, by TIN or by birth date
    (
        rec(7, "Kim", "Min Jun", "12 Cedar Lane", "Queens", "NY", "11354"),
        "NOT_DISCLOSED",
        "RESTRICTED",
    ),
    (
        # Rejected for its A-number; its impossible TIN is set aside (an advisory).
        rec(
            8,
            "Okafor",
            "Chidi",
            "3 Maple Ct",
            "Atlanta",
            "GA",
            "30303",
            tin="000-12-3456",
            a_number="",
        ),
        "REJECTED",
        "ANUMBER_MISSING",
    ),
    (
        rec(9, "Okafor", "Chidi", "3 Maple Ct", "Atlanta", "GA", "30303", tin="678-91-2346"),
        "NOT_DISCLOSED",
        "TIN_CONFLICT",
    ),
    (
        rec(10, "Whitfield", "Richard", "1 Nowhere Rd", "Boise", "ID", "83702"),
        "NOT_DISCLOSED",
        "NO_CANDIDATE",
    ),
    (
        rec(11, "Lopez", "Maria", "Failed to Provide", "Phoenix", "AZ", "85004", tin="456-78-9123"),
        "REJECTED",
        "ADDRESS_PLACEHOLDER",
    ),
    (
        rec(12, "Garcia Marquez", "Jose Luis", "100 N Main St", "Houston", "TX", "77002"),
        "NOT_DISCLOSED",
        "ADDRESS_MISMATCH",
    ),  # the unit is missing: not to the unit
]


def write_batch(folder: Path) -> BatchFiles:
    return make_batch(folder, [r for r, _, _ in REQUESTS])


def run_asked(
    tmp_path: Path, master: Path, asked: list[dict[str, str]]
) -> tuple[BatchFiles, RunResult]:
    """The batch of ``asked`` records, run against ``master``."""
    batch = make_batch(tmp_path / "batch", asked)
    result = run_batch(
        batch.manifest,
        master,
        read_signers(batch.signers),
        load_settings(),
        tmp_path / "out",
        now=NOW,
    )
    return batch, result
