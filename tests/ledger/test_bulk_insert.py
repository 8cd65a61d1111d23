"""Bulk inserts keep every row and its order, whatever the count and grouping."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ivs.store.bulk import insert_columns


@pytest.mark.parametrize("count", [0, 1, 82, 83, 84, 250, 1001])
@pytest.mark.parametrize("grouped", [True, False])
def test_rows_arrive_whole_and_in_order(engine: sa.Engine, count: int, grouped: bool) -> None:
    table = sa.Table(
        "bulk_probe",
        sa.MetaData(),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(20)),
        sa.Column("data", sa.LargeBinary),
        sa.Column("maybe_data", sa.LargeBinary),
    )
    table.create(engine)
    names = [None if i % 7 == 0 else f"n{i}é" for i in range(count)]
    # Blobs are bound as bytearrays on SQLite where a column holds nothing else.
    data = [bytes([i % 256]) * (i % 5) for i in range(count)]
    maybe_data = [None if i % 3 == 0 else bytes([i % 256]) for i in range(count)]
    with engine.begin() as conn:
        insert_columns(
            conn,
            table,
            {"seq": range(count), "name": names, "data": data, "maybe_data": maybe_data},
            grouped=grouped,
        )
        rows = conn.execute(sa.select(table).order_by(table.c.seq)).all()
        if engine.dialect.name == "sqlite":
            stored = conn.exec_driver_sql("SELECT DISTINCT typeof(data) FROM bulk_probe").all()
            assert stored == ([("blob",)] if count else [])
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == list(
        zip(range(count), names, data, maybe_data, strict=True)
    )
    assert all(type(r[2]) is bytes for r in rows)


def test_columns_of_unequal_length_are_refused(engine: sa.Engine) -> None:
    table = sa.Table(
        "bulk_probe2", sa.MetaData(), sa.Column("a", sa.Integer), sa.Column("b", sa.Integer)
    )
    table.create(engine)
    with engine.begin() as conn, pytest.raises(ValueError, match="unequal length"):
        insert_columns(conn, table, {"a": [1, 2], "b": [1]})
