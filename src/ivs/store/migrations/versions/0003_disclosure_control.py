"""Disclosure control: committed record decisions, court holds, recalls, agency safeguards.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(
            sa.Column("committed_rows", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("rule_set", sa.String(64)))
        batch.add_column(sa.Column("out_dir", sa.Text))
        batch.add_column(sa.Column("statute", sa.String(200)))
        batch.add_column(sa.Column("purged_at", sa.String(40)))
    op.create_table(
        "batch_records",
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("row", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("request_id", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("tin", sa.String(9)),
        sa.Column("request_state", sa.String(2)),
        sa.Column("decision_entry", sa.BigInteger, nullable=False),
        sa.Column("disclosure_entry", sa.BigInteger),
        sa.Column("decided_at", sa.String(40), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_batch_records_tin", "batch_records", ["tin"])
    op.create_table(
        "holds",
        sa.Column("hold_id", sa.String(20), primary_key=True),
        sa.Column("scope", sa.String(220), nullable=False),
        sa.Column("order_text", sa.Text, nullable=False),
        sa.Column("effective_at", sa.String(40), nullable=False),
        sa.Column("placed_at", sa.String(40), nullable=False),
        sa.Column("placed_by", sa.String(200), nullable=False),
        sa.Column("lifted_at", sa.String(40)),
        sa.Column("lift_order", sa.Text),
        sa.Column("lifted_by", sa.String(200)),
        sa.Column("placed_entry", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "recalls",
        sa.Column("notice_id", sa.String(40), primary_key=True),
        sa.Column("recipient_agency", sa.String(100), nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("order_text", sa.Text, nullable=False),
        sa.Column("disclosures", sa.Integer, nullable=False),
        sa.Column("issued_at", sa.String(40), nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=False),
        sa.Column("certify_by", sa.String(10), nullable=False),
        sa.Column("notice_path", sa.Text, nullable=False),
        sa.Column("incident_id", sa.String(40)),
        sa.Column("certified_on", sa.String(10)),
        sa.Column("certified_by", sa.String(200)),
    )
    op.create_table(
        "agency_safeguards",
        sa.Column("agency", sa.String(100), primary_key=True),
        sa.Column("open_findings", sa.Integer, nullable=False),
        sa.Column("corrective_plan_dated", sa.String(10)),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("changed_at", sa.String(40), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    for table in ("agency_safeguards", "recalls", "holds"):
        op.drop_table(table)
    op.drop_index("ix_batch_records_tin", "batch_records")
    op.drop_table("batch_records")
    with op.batch_alter_table("batches") as batch:
        for column in ("purged_at", "statute", "out_dir", "rule_set", "committed_rows"):
            batch.drop_column(column)
