"""Response packages: the recipients' public keys and the package made for each response.

Revision ID: 0007
Revises: 0006
Create Date: 2025-01-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    # A store made by create_all before this revision may already have the new tables.
    for name in ("recipient_keys", "response_packages"):
        if name in existing:
            op.drop_table(name)
    op.create_table(
        "recipient_keys",
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("agency", sa.String(100), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("office", sa.String(200), nullable=False),
        sa.Column("public_key", sa.String(200), nullable=False),
        sa.Column("valid_from", sa.String(10), nullable=False),
        sa.Column("valid_until", sa.String(10)),
        sa.Column("imported_at", sa.String(40), nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", sa.String(40)),
        sa.Column("revoked_by", sa.String(200)),
    )
    op.create_table(
        "response_packages",
        sa.Column("agency", sa.String(100), primary_key=True),
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("package_sha256", sa.String(64), nullable=False),
        sa.Column("ciphertext_sha256", sa.String(64), nullable=False),
        sa.Column("plaintext_sha256", sa.String(64), nullable=False),
        sa.Column("release_entry", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("response_packages")
    op.drop_table("recipient_keys")
