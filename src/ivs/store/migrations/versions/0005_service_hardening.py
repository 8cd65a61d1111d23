"""The service hardened: web sessions of their own, token expiry, a lease on each running job.

Revision ID: 0005
Revises: 0004
Create Date: 2025-01-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A store made by create_all before this revision may already have the new table.
    if "service_sessions" in sa.inspect(op.get_bind()).get_table_names():
        op.drop_table("service_sessions")
    op.create_table(
        "service_sessions",
        sa.Column("session_sha256", sa.String(64), primary_key=True),
        sa.Column("user_name", sa.String(200), nullable=False, index=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.String(40), nullable=False),
        sa.Column("ended_at", sa.String(40)),
    )
    with op.batch_alter_table("service_users") as users:
        users.add_column(sa.Column("expires_at", sa.String(40)))
    with op.batch_alter_table("service_jobs") as jobs:
        jobs.add_column(sa.Column("lease_owner", sa.String(200)))
        jobs.add_column(sa.Column("lease_expires_at", sa.String(40)))
        jobs.add_column(sa.Column("worker_pid", sa.Integer))
        jobs.add_column(sa.Column("resumed", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("service_jobs") as jobs:
        jobs.drop_column("resumed")
        jobs.drop_column("worker_pid")
        jobs.drop_column("lease_expires_at")
        jobs.drop_column("lease_owner")
    with op.batch_alter_table("service_users") as users:
        users.drop_column("expires_at")
    op.drop_table("service_sessions")
