"""The service: users and token hashes, the stored signer roster, batch jobs, the access record.

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "service_users",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("agency", sa.String(100)),
        sa.Column("token_id", sa.String(32), nullable=False, unique=True),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", sa.String(40)),
        sa.Column("revoked_by", sa.String(200)),
    )
    op.create_table(
        "signer_roster",
        sa.Column("key_id", sa.String(200), primary_key=True),
        sa.Column("agency", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("valid_from", sa.String(10), nullable=False),
        sa.Column("valid_until", sa.String(10)),
        sa.Column("imported_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "service_jobs",
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("agency", sa.String(100), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("manifest_path", sa.Text, nullable=False),
        sa.Column("out_dir", sa.Text, nullable=False),
        sa.Column("record_count", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("step", sa.String(200)),
        sa.Column("steps_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("submitted_at", sa.String(40), nullable=False),
        sa.Column("started_at", sa.String(40)),
        sa.Column("finished_at", sa.String(40)),
        sa.Column("outcomes", sa.Text),
        sa.Column("error_type", sa.String(60)),
        sa.Column("error_message", sa.Text),
    )
    op.create_table(
        "service_access",
        sa.Column("access_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("user_name", sa.String(200)),
        sa.Column("role", sa.String(20)),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("what", sa.String(500), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("client", sa.String(100)),
    )


def downgrade() -> None:
    op.drop_table("service_access")
    op.drop_table("service_jobs")
    op.drop_table("signer_roster")
    op.drop_table("service_users")
