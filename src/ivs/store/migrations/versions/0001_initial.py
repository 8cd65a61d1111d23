"""Initial schema: batches, pilot changes and the accounting ledger.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ivs.store.ledger_tables import APPEND_ONLY_TABLES, ENTRY_INDEX, append_only_ddl

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("manifest_digest", sa.String(64), nullable=False),
        sa.Column("requesting_agency", sa.String(100), nullable=False),
        sa.Column("record_count", sa.Integer, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40)),
        sa.Column("response_sha256", sa.String(64)),
        sa.Column("detail", sa.Text),
    )
    op.create_table(
        "pilot_changes",
        sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("zip3", sa.String(3)),
        sa.Column("effective", sa.String(10), nullable=False),
        sa.Column("changed_at", sa.String(40), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("entry_index", ENTRY_INDEX, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("entry", sa.LargeBinary, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "ledger_subtrees",
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "ledger_state",
        sa.Column("state_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("frontier", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "ledger_signed_heads",
        sa.Column("head_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("signed_head", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_index(
        "ix_ledger_signed_heads_tree_size", "ledger_signed_heads", ["tree_size"], unique=False
    )
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        for statement in append_only_ddl(dialect, table):
            op.execute(statement)


def downgrade() -> None:
    # The ledger is permanent (26 U.S.C. 6103(p)(3)): there is no way back from here.
    raise RuntimeError("the initial revision cannot be downgraded: it would drop the ledger")
