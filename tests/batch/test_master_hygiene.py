"""A master file as it really is: no restrictions file, defective rows, null-typed columns."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.recipients import identity_file
from typer.testing import CliRunner

from ivs.batch.index_step import build_index
from ivs.batch.run import RunResult, run_batch
from ivs.cli import app
from ivs.domain.errors import FormatErrors
from ivs.domain.settings import Settings, load_settings
from ivs.formats import read_signers
from ivs.formats.master import read_master_rows

from .small_world import REQUESTS, write_batch, write_master

NOW = datetime(2025, 6, 28, tzinfo=UTC)
runner = CliRunner()
pytestmark = pytest.mark.usefixtures("ledger_key")
CLEAN = {r["request_id"]: (outcome, code) for r, outcome, code in REQUESTS}


def ivs(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), terminal_width=250)
    assert result.exit_code == code, result.output
    return result.output


def _edit(path: Path, column: str, row: int, value: object) -> None:
    """Set one cell of a Parquet master table, the column retyped as the value needs."""
    table = pq.read_table(path)
    values = table.column(column).to_pylist()
    values[row] = value
    as_text = isinstance(value, str) and not pa.types.is_string(table.column(column).type)
    if as_text:
        values = [None if v is None else str(v) for v in values]
    index = table.schema.get_field_index(column)
    pq.write_table(table.set_column(index, column, pa.array(values)), path)


def _run(
    master: Path, tmp_path: Path, settings: Settings | None = None
) -> dict[str, tuple[str, str]]:
    batch = write_batch(tmp_path / "batch")
    result: RunResult = run_batch(
        batch.manifest,
        master,
        read_signers(batch.signers),
        settings or load_settings(master_defect_rate=0.5),
        tmp_path / "out",
        now=NOW,
    )
    decisions = pq.read_table(result.decisions).to_pylist()
    return {d["request_id"]: (d["outcome"], d["decision_code"]) for d in decisions}


@pytest.mark.parametrize("form", ["absent", "zero bytes", "header only", "no rows"])
def test_a_master_without_restrictions_runs(tmp_path: Path, form: str) -> None:
    master = write_master(tmp_path / "master")
    restrictions = master / "restrictions.parquet"
    restrictions.unlink()
    if form == "zero bytes":
        restrictions.write_bytes(b"")
    elif form == "header only":
        (master / "restrictions.csv").write_text("tin,kind,since,until\n")
    elif form == "no rows":
        pq.write_table(
            pa.table(
                {
                    "tin": pa.array([], pa.string()),
                    "kind": pa.array([], pa.string()),
                    "since": pa.array([], pa.null()),
                    "until": pa.array([], pa.null()),
                }
            ),
            restrictions,
        )
    got = _run(master, tmp_path)
    # Only the restricted taxpayer's request is answered differently: there is no restriction.
    assert got.pop("R7") == ("DISCLOSED", "MATCHED")
    assert got == {k: v for k, v in CLEAN.items() if k != "R7"}


def test_null_typed_parquet_columns_where_nulls_are_allowed(tmp_path: Path) -> None:
    master = write_master(tmp_path / "master")
    taxpayers = pq.read_table(master / "taxpayers.parquet")
    for column in ("middle_name", "name_suffix"):
        index = taxpayers.schema.get_field_index(column)
        taxpayers = taxpayers.set_column(index, column, pa.nulls(taxpayers.num_rows))
    pq.write_table(taxpayers, master / "taxpayers.parquet")
    addresses = pq.read_table(master / "addresses.parquet")
    index = addresses.schema.get_field_index("unit")
    pq.write_table(
        addresses.set_column(index, "unit", pa.nulls(addresses.num_rows)),
        master / "addresses.parquet",
    )
    rows = read_master_rows(master / "taxpayers.parquet", "taxpayers")
    assert rows.defects == ()
    assert rows.table.schema.field("middle_name").type == pa.string()
    info = build_index(master, load_settings())
    assert info.taxpayers == 7
    assert info.set_aside == {"taxpayers": 0, "addresses": 0, "withheld": 0}


# (file, column, row, value, field in the report, action, rows set aside). Taxpayer row 0 and
# address row 1 are GARCIA MARQUEZ JOSE LUIS and his last known address, disclosed to R1 and R2.
DEFECTS = [
    ("taxpayers", "first_name", 0, None, "first_name", "row set aside", 1),
    ("taxpayers", "last_name", 0, "  ", "last_name", "row set aside", 1),
    ("taxpayers", "tin", 0, "12345678", "tin", "row set aside", 1),
    ("taxpayers", "tin_type", 0, "EIN", "tin_type", "row set aside", 1),
    ("taxpayers", "date_of_birth", 0, "1980-02-30", "date_of_birth", "value set aside", 0),
    ("taxpayers", "tin", 0, "912701234", "tin", "row set aside", 2),  # NGUYEN's TIN twice
    ("addresses", "street_address", 1, "", "street_address", "row set aside", 1),
    ("addresses", "city", 1, None, "city", "row set aside", 1),
    ("addresses", "received_date", 1, "2024-13-01", "received_date", "row set aside", 1),
    ("addresses", "tax_year", 1, "twenty", "tax_year", "row set aside", 1),
    ("addresses", "tin", 1, "1234-56-789", "tin", "row set aside", 1),
]


@pytest.mark.parametrize("defect", DEFECTS)
def test_a_defective_row_is_set_aside_and_reported(
    tmp_path: Path, defect: tuple[str, str, int, object, str, str, int]
) -> None:
    kind, column, row, value, field, action, rows_aside = defect
    master = write_master(tmp_path / "master")
    _edit(master / f"{kind}.parquet", column, row, value)
    info = build_index(master, load_settings(master_defect_rate=0.5))
    with info.defects_report.open(newline="") as f:
        report = [{k: r[k] for k in ("file", "row", "field", "action")} for r in csv.DictReader(f)]
    assert {"file": f"{kind}.parquet", "row": str(row + 2), "field": field, "action": action} in (
        report
    )
    assert info.set_aside[kind] == rows_aside
    assert info.set_aside["withheld"] >= (1 if kind == "addresses" or rows_aside == 0 else 0)
    # Set aside or withheld, he is disclosed to no one; nothing is disclosed that the whole
    # master would not have disclosed.
    got = _run(master, tmp_path)
    assert CLEAN["R1"][0] == CLEAN["R2"][0] == "DISCLOSED"
    assert got["R1"][0] == got["R2"][0] == "NOT_DISCLOSED"
    disclosed_now = {k for k, (outcome, _) in got.items() if outcome == "DISCLOSED"}
    assert disclosed_now <= {k for k, (outcome, _) in CLEAN.items() if outcome == "DISCLOSED"}


@pytest.mark.parametrize(
    "blanked",
    [("street_address",), ("zip",), ("zip", "state"), ("tin",)],
    ids=["no street", "no ZIP code: his state", "no ZIP code or state: anywhere", "no TIN"],
)
def test_a_row_set_aside_cannot_hide_the_father_of_a_son(
    tmp_path: Path, blanked: tuple[str, ...]
) -> None:
    """JOHN SMITH SR's only address row is defective: set aside, he is no candidate at 7 OAK
    DR, and the son would be the only JOHN SMITH there. The son is withheld instead; with no
    TIN, as one filed at the same address as a person of no known name."""
    master = write_master(tmp_path / "master")
    for column in blanked:
        _edit(master / "addresses.parquet", column, 2, None)  # the father's row
    got = _run(master, tmp_path)
    assert CLEAN["R3"] == ("NOT_DISCLOSED", "AMBIGUOUS")
    assert got["R3"][0] == "NOT_DISCLOSED"
    assert got["R4"] == ("NOT_DISCLOSED", "RESTRICTED")  # the son, asked for by suffix
    said = ivs("explain", str(tmp_path / "out"), "R4", "--master", str(master))
    assert "withheld: a row of the master set aside may hide a person like this one" in said
    assert "restricted under 6103(i)(6)" not in said
    unchanged = {k for k in CLEAN if k not in {"R3", "R4"}}
    assert {k: got[k] for k in unchanged} == {k: CLEAN[k] for k in unchanged}


def test_above_the_defect_rate_the_master_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = write_master(tmp_path / "master")
    _edit(master / "taxpayers.parquet", "first_name", 0, None)
    said = ivs("index", str(master), code=3)  # 1 of 7 rows: 14.3% > 5%
    assert "1 of 7 rows (14.3%)" in said
    assert "master_defect_rate" in said
    assert "first_name" in said
    monkeypatch.setenv("IVS_MASTER_DEFECT_RATE", "0.2")
    said = ivs("index", str(master))
    assert "set aside: 1 taxpayer row(s), 0 address row(s)" in said
    assert (
        "taxpayers.parquet, field first_name: is empty; it is required (row set aside): 1 " in said
    )
    assert "e.g. row 2" in said


def test_a_defective_restriction_refuses_the_master(tmp_path: Path) -> None:
    master = write_master(tmp_path / "master")
    _edit(master / "restrictions.parquet", "since", 0, "2024-02-30")
    with pytest.raises(FormatErrors, match="since"):
        build_index(master, load_settings(master_defect_rate=0.5))


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_spark_withholds_as_duckdb_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ivs.engines import EngineChoice

    master = write_master(tmp_path / "master")
    _edit(master / "addresses.parquet", "zip", 2, None)  # the father: his state only
    _edit(master / "addresses.parquet", "state", 2, None)  # ... not even that: anywhere
    _edit(master / "addresses.parquet", "tin", 4, None)  # no one's row, at 88 PINE ST
    _edit(master / "taxpayers.parquet", "first_name", 5, None)  # KIM, set aside
    withheld = {}
    for engine in ("duckdb", "spark"):
        monkeypatch.setenv("IVS_HOME", str(tmp_path / engine))
        info = build_index(
            master, load_settings(master_defect_rate=0.5), engine_choice=EngineChoice(engine)
        )
        restrictions = pq.read_table(info.folder / "restrictions.parquet").to_pylist()
        withheld[engine] = (info.set_aside, restrictions)
    assert withheld["spark"] == withheld["duckdb"]
    set_aside, restrictions = withheld["duckdb"]
    assert set_aside == {"taxpayers": 1, "addresses": 2, "withheld": 2}
    # The father himself and the son (by surname, anywhere); NGUYEN's only row is no one's,
    # and no one else was filed at its address. KIM's informant restriction stays. (The index
    # holds TINs as integers.)
    assert {(r["tin"], r["kind"]) for r in restrictions} == {
        (567891234, "informant"),
        (234567891, "master_defect"),
        (345678912, "master_defect"),
    }


def test_the_readme_commands_on_a_master_without_restrictions_and_with_defects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = write_master(tmp_path / "master")
    (master / "restrictions.parquet").unlink()
    _edit(master / "addresses.parquet", "street_address", 7, None)  # OKAFOR's only address
    batch = write_batch(tmp_path / "batch")
    monkeypatch.setenv("IVS_MASTER_DEFECT_RATE", "0.2")
    said = ivs("index", str(master))
    assert "set aside: 0 taxpayer row(s), 1 address row(s); 1 taxpayer(s) withheld" in said
    assert "addresses.parquet, field street_address: is empty; it is required" in said
    out = tmp_path / "out"
    ivs(
        "run",
        str(batch.manifest),
        "--master",
        str(master),
        "--signers",
        str(batch.signers),
        "--out",
        str(out),
    )
    opened = tmp_path / "opened.csv"
    ivs(
        "package",
        "open",
        str(out / "TEST-2025-06-27-A.package.zip"),
        "--key",
        str(identity_file(tmp_path / "key")),
        "--out",
        str(opened),
    )
    response = opened.read_text().splitlines()
    outcomes = {line.split(",")[0]: line.split(",")[1] for line in response[1:]}
    assert outcomes["R7"] == "DISCLOSED"  # no restrictions file: KIM is not restricted
    assert outcomes["R1"] == "DISCLOSED"
