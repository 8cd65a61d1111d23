"""Tables of the accounting ledger, on the store's one metadata.

``ledger_entries``, ``ledger_subtrees`` and ``ledger_signed_heads`` are append-only: no code
path updates or deletes their rows, and a trigger refuses it (PostgreSQL and SQLite), so
changing the record takes someone who can also drop triggers, and ``ivs ledger verify``
still finds it. ``ledger_state`` is the one updated row: the tree's right edge, so an
append never rereads the log.
"""

from __future__ import annotations

import sqlalchemy as sa

from ivs.store.schema import metadata

__all__ = [
    "APPEND_ONLY_TABLES",
    "ENTRY_INDEX",
    "append_only_ddl",
    "ledger_entries",
    "ledger_signed_heads",
    "ledger_state",
    "ledger_subtrees",
]

# On SQLite an INTEGER primary key is the table's rowid: entries are stored in index order
# with no second B-tree to maintain (a BIGINT key would get one), halving the cost of an append.
ENTRY_INDEX = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

ledger_entries = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("entry_index", ENTRY_INDEX, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("entry", sa.LargeBinary, nullable=False),  # canonical bytes (entries.py)
    sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

# Hashes of aligned perfect subtrees of 2^level leaves from a minimum level up (log.py):
# with them an inclusion proof reads a few dozen rows whatever the size of the log.
ledger_subtrees = sa.Table(
    "ledger_subtrees",
    metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
)

ledger_state = sa.Table(
    "ledger_state",
    metadata,
    sa.Column("state_id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("tree_size", sa.BigInteger, nullable=False),
    sa.Column("frontier", sa.LargeBinary, nullable=False),  # MerkleFrontier.to_bytes
)

ledger_signed_heads = sa.Table(
    "ledger_signed_heads",
    metadata,
    sa.Column("head_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tree_size", sa.BigInteger, nullable=False, index=True),
    sa.Column("signed_head", sa.LargeBinary, nullable=False),  # SignedTreeHead.to_bytes
    sa.Column("created_at", sa.String(40), nullable=False),
)

APPEND_ONLY_TABLES = ("ledger_entries", "ledger_subtrees", "ledger_signed_heads")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ivs_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the accounting ledger is append-only: % on % refused',
        TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql
"""


def append_only_ddl(dialect: str, table: str) -> list[str]:
    """Statements that make ``table`` refuse UPDATE and DELETE on ``dialect``."""
    if dialect == "postgresql":
        return [
            _PG_FUNCTION,
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ivs_ledger_append_only()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN "
            f"SELECT RAISE(ABORT, 'the accounting ledger is append-only: {op} on {table} "
            "refused'); END"
            for op in ("UPDATE", "DELETE")
        ]
    return []


def _install_triggers(table: sa.Table, connection: sa.Connection, **_kw: object) -> None:
    for statement in append_only_ddl(connection.dialect.name, table.name):
        # The driver reads % as a parameter marker (format paramstyle): double it.
        marker_safe = (
            statement.replace("%", "%%")
            if connection.dialect.paramstyle in ("format", "pyformat")
            else statement
        )
        connection.exec_driver_sql(marker_safe)


# create_all (tests, the SQLite default) gets the same triggers as the Alembic migration.
for _table in (ledger_entries, ledger_subtrees, ledger_signed_heads):
    sa.event.listen(_table, "after_create", _install_triggers)
