"""Bulk inserts straight to the driver (COPY on PostgreSQL, ``executemany`` elsewhere), for
the ledger's hot path.

SQLAlchemy's Core insert builds and type-processes a parameter dictionary per row (~7 µs);
tuples handed to the driver cost a fraction of that. Only plain values (text, integers,
bytes, None) are passed, which every supported driver takes as they are.

Elsewhere than PostgreSQL a statement inserts several rows (``VALUES (…), (…), …``): SQLite
then opens its cursors and starts its program once for those rows instead of once a row,
which takes about a third off inserting a million ledger entries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain, islice
from typing import Any

import sqlalchemy as sa

__all__ = ["insert_columns", "select_rows"]

_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": ":{}", "named": ":p{}"}
# Values bound by one multi-row statement: well under SQLite's oldest limit (999); 50
# ledger entries a statement measured fastest (10 and 200 were slower).
_VALUES_PER_STATEMENT = 250


def insert_columns(
    conn: sa.Connection,
    table: sa.Table,
    columns: Mapping[str, Sequence[object]],
    *,
    grouped: bool = True,
) -> None:
    """INSERT a row for each position of ``columns`` (name to values, all of one length), in
    position order: one COPY stream on PostgreSQL; elsewhere multi-row statements, or one
    statement a row if not ``grouped``."""
    names = list(columns)
    values = list(columns.values())
    count = len(values[0]) if values else 0
    if any(len(column) != count for column in values):
        raise ValueError(f"columns of unequal length for {table.name}: {[len(v) for v in values]}")
    if not count:
        return
    preparer = conn.dialect.identifier_preparer
    quoted = ", ".join(preparer.quote(name) for name in names)
    if conn.dialect.name == "postgresql":
        # COPY in the transaction's own connection: one stream instead of a round trip a row.
        driver = conn.connection.driver_connection
        statement = f"COPY {preparer.format_table(table)} ({quoted}) FROM STDIN"
        dbapi_error = conn.dialect.loaded_dbapi.Error
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                for row in zip(*values, strict=True):
                    copy.write_row(row)
        except dbapi_error as e:
            # Raised as SQLAlchemy raises driver errors, so callers handle one family.
            raise sa.exc.DBAPIError.instance(statement, None, e, dbapi_error) from e
        return
    if conn.dialect.driver == "pysqlite":
        values = [_blobs_as_bytearrays(column) for column in values]
    width = len(names)
    style = conn.dialect.paramstyle
    insert = f"INSERT INTO {preparer.format_table(table)} ({quoted}) VALUES "
    rows = zip(*values, strict=True)
    if style == "named":
        keyed = [{f"p{i + 1}": v for i, v in enumerate(row)} for row in rows]
        conn.exec_driver_sql(insert + _markers(style, width, 1), keyed)
        return
    group = max(1, _VALUES_PER_STATEMENT // width) if grouped else 1
    in_groups = count - count % group if group > 1 else 0
    # The driver's own executemany, fed by iterators: no list of a million tuples is built.
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    dbapi_error = conn.dialect.loaded_dbapi.Error
    statement = insert
    try:
        if in_groups:
            # Each group's values, row after row, as one flat tuple (zip of one iterator).
            flat = chain.from_iterable(islice(rows, in_groups))
            statement = insert + _markers(style, width, group)
            cursor.executemany(statement, zip(*[flat] * (width * group), strict=True))
        if in_groups < count:
            statement = insert + _markers(style, width, 1)
            cursor.executemany(statement, rows)
    except dbapi_error as e:
        raise sa.exc.DBAPIError.instance(statement, None, e, dbapi_error) from e
    finally:
        cursor.close()


def _blobs_as_bytearrays(column: Sequence[object]) -> Sequence[object]:
    """A column of ``bytes`` as ``bytearray``s; any other as it is.

    Python's sqlite3 binds ``int``, ``float``, ``str`` and ``bytearray`` values as they are,
    but first looks up an adapter for any other type, ``bytes`` included (a registry lookup
    and two attribute lookups, about 0.5 µs a value); copying a blob to a ``bytearray`` costs
    less than half of that. A batch's commit binds two blobs an entry: its bytes and its
    leaf hash.
    """
    if not column or type(column[0]) is not bytes:
        return column
    if not all(type(value) is bytes for value in column):
        return column
    return list(map(bytearray, column))  # type: ignore[arg-type]


def _markers(style: str, width: int, rows: int) -> str:
    """``(?, ?), (?, ?)`` for ``rows`` rows of ``width`` values in the driver's paramstyle."""
    marker = _MARKERS[style]
    if style in ("numeric", "named"):
        numbered = [marker.format(i + 1) for i in range(width * rows)]
        return ", ".join(
            "(" + ", ".join(numbered[r * width : (r + 1) * width]) + ")" for r in range(rows)
        )
    one = "(" + ", ".join([marker] * width) + ")"
    return ", ".join([one] * rows)


def select_rows(
    conn: sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    *,
    where: Mapping[str, object],
    order_by: str,
) -> list[tuple[Any, ...]]:
    """``SELECT columns FROM table WHERE column = value AND … ORDER BY order_by`` (each
    ``where`` item a condition) as plain tuples from the driver's cursor (row objects cost
    more than the query for millions of rows)."""
    preparer = conn.dialect.identifier_preparer
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conditions = " AND ".join(f"{preparer.quote(c)} = {marker}" for c in where)
    sql = (
        f"SELECT {', '.join(preparer.quote(c) for c in columns)} "
        f"FROM {preparer.format_table(table)} WHERE {conditions} "
        f"ORDER BY {preparer.quote(order_by)}"
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, tuple(where.values()))
        return list(cursor.fetchall())
    finally:
        cursor.close()
