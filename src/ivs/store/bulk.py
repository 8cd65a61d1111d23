"""Bulk inserts straight to the driver (COPY on PostgreSQL, ``executemany`` elsewhere), for
the ledger's hot path.

SQLAlchemy's Core insert builds and type-processes a parameter dictionary per row (~7 µs);
tuples handed to the driver cost a fraction of that. Only plain values (text, integers,
bytes, None) are passed, which every supported driver takes as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

__all__ = ["insert_rows", "select_rows"]

_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": ":{}", "named": ":p{}"}


def insert_rows(
    conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order) into ``table`` in one statement or stream."""
    if not rows:
        return
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(c) for c in columns)
    if conn.dialect.name == "postgresql":
        # COPY in the transaction's own connection: one stream instead of a round trip a row.
        driver = conn.connection.driver_connection
        statement = f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"
        dbapi_error = conn.dialect.loaded_dbapi.Error
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                for row in rows:
                    copy.write_row(row)
        except dbapi_error as e:
            # Raised as SQLAlchemy raises driver errors, so callers handle one family.
            raise sa.exc.DBAPIError.instance(statement, None, e, dbapi_error) from e
        return
    style = conn.dialect.paramstyle
    marker = _MARKERS[style]
    if style in ("numeric", "named"):
        markers = ", ".join(marker.format(i + 1) for i in range(len(columns)))
    else:
        markers = ", ".join([marker] * len(columns))
    sql = f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES ({markers})"
    if style == "named":
        keyed = [{f"p{i + 1}": v for i, v in enumerate(row)} for row in rows]
        conn.exec_driver_sql(sql, keyed)
    else:
        conn.exec_driver_sql(sql, list(rows))


def select_rows(
    conn: sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    *,
    where: str,
    equals: object,
    order_by: str,
) -> list[tuple[Any, ...]]:
    """``SELECT columns FROM table WHERE where = equals ORDER BY order_by`` as plain tuples
    from the driver's cursor (row objects cost more than the query for millions of rows)."""
    preparer = conn.dialect.identifier_preparer
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"SELECT {', '.join(preparer.quote(c) for c in columns)} "
        f"FROM {preparer.format_table(table)} WHERE {preparer.quote(where)} = {marker} "
        f"ORDER BY {preparer.quote(order_by)}"
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, (equals,))
        return list(cursor.fetchall())
    finally:
        cursor.close()
