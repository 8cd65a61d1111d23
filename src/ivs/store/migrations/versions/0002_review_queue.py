"""The review queue: cases decided REVIEW and the supplementary responses released.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "review_cases",
        sa.Column("case_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.String(200), nullable=False),
        sa.Column("request_id", sa.String(200), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("tin", sa.String(9), nullable=False),
        sa.Column("match_probability", sa.Float, nullable=False),
        sa.Column("match_weight", sa.Float, nullable=False),
        sa.Column("rule_set", sa.String(64), nullable=False),
        sa.Column("decisions_path", sa.Text, nullable=False),
        sa.Column("enqueued_at", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", sa.String(40)),
        sa.Column("reason", sa.Text),
        sa.Column("release_number", sa.Integer),
        sa.UniqueConstraint("batch_id", "request_id", "row", name="uq_review_case_record"),
    )
    op.create_table(
        "review_releases",
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("released_at", sa.String(40), nullable=False),
        sa.Column("released_by", sa.String(200), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("response_sha256", sa.String(64), nullable=False),
        sa.Column("disclosed", sa.Integer, nullable=False),
        sa.Column("not_disclosed", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("review_releases")
    op.drop_table("review_cases")
