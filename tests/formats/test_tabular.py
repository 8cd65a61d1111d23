"""Readers reject malformed input with the project's error naming file, line and field."""

from __future__ import annotations

import contextlib
import string
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivs.domain.errors import FormatError, FormatErrors
from ivs.domain.schema import RECORD_COLUMNS
from ivs.formats import read_records, write_records
from ivs.formats.tabular import _blank_as_null, csv_bytes, python_csv_bytes

HEADER = ",".join(RECORD_COLUMNS)
GOOD_ROW = (
    "R1,GARCIA MARQUEZ,JOSE LUIS,,,123 MAIN ST,APT 4,HOUSTON,TX,77002,1980-01-02,,A123456789,"
    "2024-01-02,needed to locate"
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_reads_good_csv_with_row_numbers(tmp_path: Path) -> None:
    path = write(
        tmp_path, "r.csv", f"{HEADER}\n{GOOD_ROW}\n{GOOD_ROW.replace('R1', 'R2')}\n".encode()
    )
    table = read_records(path)
    assert table.num_rows == 2
    assert table.column("_row").to_pylist() == [1, 2]
    assert table.column("middle_name").to_pylist() == [None, None]
    assert table.column("last_name")[0].as_py() == "GARCIA MARQUEZ"


def test_absent_optional_columns_become_nulls(tmp_path: Path) -> None:
    cols = (
        "request_id,last_name,first_name,street_address,city,state,zip,a_number,"
        "removal_order_final_date"
    )
    path = write(
        tmp_path, "r.csv", f"{cols}\nR1,LEE,ANN,1 A ST,X,TX,77002,A12345678,2024-01-01\n".encode()
    )
    table = read_records(path)
    assert table.column("tin").to_pylist() == [None]
    assert set(RECORD_COLUMNS) <= set(table.column_names)


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", b"request_id,last_name\nR1,LEE\n")
    with pytest.raises(FormatErrors) as info:
        read_records(path)
    fields = {p.field for p in info.value.problems}
    assert {"first_name", "street_address", "a_number"} <= fields
    assert all(p.line == 1 for p in info.value.problems)
    assert str(path) in str(info.value)


def test_ragged_row_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", f"{HEADER}\n{GOOD_ROW}\nR2,ONLY,THREE\n".encode())
    with pytest.raises(FormatErrors) as info:
        read_records(path)
    assert info.value.problems[0].line == 3
    assert "3 fields" in info.value.problems[0].message


def test_non_utf8_byte_names_its_line(tmp_path: Path) -> None:
    bad = GOOD_ROW.replace("HOUSTON", "HOUST\udcffN").encode("utf-8", "surrogateescape")
    path = write(tmp_path, "r.csv", f"{HEADER}\n{GOOD_ROW}\n".encode() + bad + b"\n")
    with pytest.raises(FormatError) as info:
        read_records(path)
    assert info.value.line == 3
    assert "UTF-8" in str(info.value)


def test_a_ragged_row_that_is_not_utf8_names_its_line_without_a_traceback(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """pyarrow fails to hand such a row to the ragged-row handler; the failure is neither
    printed nor lost (an ignored exception also fails this test: warnings are errors)."""
    path = write(tmp_path, "r.csv", f"{HEADER}\n{GOOD_ROW}\n".encode() + b"R2,\xd5X,THREE\n")
    with pytest.raises(FormatErrors) as info:
        read_records(path)
    assert info.value.problems[0].line == 3
    assert "UTF-8" in info.value.problems[0].message
    assert "Traceback" not in capfd.readouterr().err


def test_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="empty"):
        read_records(write(tmp_path, "r.csv", b""))


def test_uppercase_column_gets_a_helpful_message(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", HEADER.replace("last_name", "Last_Name").encode() + b"\n")
    with pytest.raises(FormatErrors) as info:
        read_records(path)
    assert any("exactly 'last_name'" in p.message for p in info.value.problems)


def test_quoted_newline_and_bom_are_accepted(tmp_path: Path) -> None:
    row = GOOD_ROW.replace("needed to locate", '"needed\nto locate"')
    path = write(tmp_path, "r.csv", b"\xef\xbb\xbf" + f"{HEADER}\n{row}\n".encode())
    assert read_records(path).column("reason")[0].as_py() == "needed\nto locate"


def test_jsonl_type_errors_name_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.jsonl",
        b'{"request_id": "R1", "last_name": "LEE", "first_name": "A", "street_address": "1 A ST",'
        b' "city": "X", "state": "TX", "zip": 77002, "a_number": "A12345678",'
        b' "removal_order_final_date": "2024-01-01"}\n{not json}\n',
    )
    with pytest.raises(FormatErrors) as info:
        read_records(path)
    problems = info.value.problems
    assert (problems[0].line, problems[0].field) == (1, "zip")
    assert problems[1].line == 2


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_round_trip_each_container(tmp_path: Path, suffix: str) -> None:
    source = write(tmp_path, "r.csv", f"{HEADER}\n{GOOD_ROW}\n".encode())
    table = read_records(source)
    out = tmp_path / f"copy{suffix}"
    write_records(out, table)
    again = read_records(out)
    assert again.drop(["_row"]).to_pylist() == table.drop(["_row"]).to_pylist()


def test_unknown_container_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="unknown container"):
        read_records(write(tmp_path, "r.xlsx", b"x"))


def test_parquet_with_wrong_column_type(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    columns = {c: pa.array(["x"]) for c in RECORD_COLUMNS}
    columns["zip"] = pa.array([77002])
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table(columns), path)
    with pytest.raises(FormatErrors) as info:
        read_records(path)
    assert info.value.problems[0].field == "zip"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".jsonl", ".parquet"]))
def test_random_bytes_raise_only_format_errors(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    with contextlib.suppress(FormatError):
        read_records(path)


def test_a_carriage_return_inside_the_header_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "records.csv"
    path.write_bytes(b"request_id\rlast_name\nR1,GARCIA\n")
    with pytest.raises(FormatError, match="header row is not one CSV line") as raised:
        read_records(path)
    assert raised.value.problem.line == 1


_cell = st.text(alphabet=string.printable + "ñé\x00\"',\n", max_size=30)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(_cell, min_size=0, max_size=18), max_size=6))
def test_random_malformed_csv_raises_only_format_errors(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    body = "\n".join(",".join(r) for r in rows)
    path = tmp_path / "fuzz.csv"
    path.write_text(f"{HEADER}\n{body}\n", encoding="utf-8")
    try:
        table = read_records(path)
    except FormatError:
        return
    assert table.num_rows <= len(rows) + body.count("\n") + 1


_CSV_TEXT = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list("ab é,\"\r\n\t'1-#;ÑĐ"))),
    st.text(alphabet=st.sampled_from(list("AB é-1#ÑĐ"))),  # never needs quotes
)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(_CSV_TEXT, _CSV_TEXT, _CSV_TEXT), max_size=30),
    sliced=st.booleans(),
)
def test_csv_bytes_are_python_csv_bytes(rows: list[tuple[str | None, ...]], sliced: bool) -> None:
    """Arrow writes only tables that need no quotes, and then the same bytes as Python's csv
    writer; a slice's hidden neighbours with quotes only send it to Python's writer."""
    columns = ("a", "b", "c")
    table = pa.table(
        {name: pa.array([r[i] for r in rows], pa.string()) for i, name in enumerate(columns)}
    )
    if sliced:
        padding = pa.table({name: pa.array(['"x,y"'], pa.string()) for name in columns})
        table = pa.concat_tables([padding, table, padding]).combine_chunks().slice(1, len(rows))
    values = [pc.fill_null(table.column(c), "") for c in columns]
    assert csv_bytes(table, columns) == python_csv_bytes(values, columns)


def test_csv_bytes_quote_only_where_needed() -> None:
    table = pa.table({"id": ["R1", "R2"], "city": ["SAN JOSE", 'A "B", C']})
    assert csv_bytes(table, ("id", "city")) == b'id,city\r\nR1,SAN JOSE\r\nR2,"A ""B"", C"\r\n'
    single = pa.table({"id": ["", "R2"]})
    assert csv_bytes(single, ("id",)) == b'id\r\n""\r\nR2\r\n'


@given(
    st.lists(
        st.none()
        | st.text(alphabet=" \t\n\v\f\r\x1c\x85\u00a0\u2003a", max_size=4)
        | st.text(max_size=4),
        max_size=30,
    )
)
def test_blank_means_only_what_re2_calls_space(values: list[str | None]) -> None:
    """A value is blank (read as missing) when empty or made only of the spaces ``\\s`` matches
    in RE2; a vertical tab, a no-break space or any other character keeps it."""
    column = pa.chunked_array([pa.array(values, pa.string())])
    expected = [None if v is None or all(c in " \t\n\f\r" for c in v) else v for v in values]
    assert _blank_as_null(column).to_pylist() == expected
