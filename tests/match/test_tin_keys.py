"""TINs as the engine holds them: the integer of nine digits, written back as nine digits."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from ivs.match.tin_keys import tin_keys, tin_text_sql

_ENGINE = duckdb.connect()


# The engine's first query takes longer than Hypothesis's deadline.
@settings(deadline=None)
@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_nine_digits_come_back_whole(tin: str) -> None:
    connection = _ENGINE.cursor()
    connection.register("keys", pa.table({"k": tin_keys(pa.array([tin]))}))
    assert connection.sql(f"SELECT {tin_text_sql('k')} FROM keys").fetchall() == [(tin,)]


@given(st.text(max_size=12).filter(lambda s: not (len(s) == 9 and s.isascii() and s.isdigit())))
def test_anything_else_is_no_tin(text: str) -> None:
    assert tin_keys(pa.array([text])).to_pylist() == [None]


def test_near_misses_meet_no_taxpayer() -> None:
    # 12345678 and 0123456789 would be the integer of 012345678 / 123456789 if cast as they are.
    assert tin_keys(
        pa.array(["012345678", "12345678", "0123456789", " 12345678", None])
    ).to_pylist() == [
        12345678,
        None,
        None,
        None,
        None,
    ]
