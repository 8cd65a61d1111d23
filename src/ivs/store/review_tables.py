"""Tables of the review queue, on the store's one metadata (created with every other table)."""

from __future__ import annotations

import sqlalchemy as sa

from ivs.store.schema import metadata

__all__ = ["REVIEW_TABLES", "review_cases", "review_releases"]

# One row per record decided REVIEW. A case is decided once (status open -> approved | refused)
# and released once (release_number set by the supplement that carried it).
review_cases = sa.Table(
    "review_cases",
    metadata,
    sa.Column("case_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("agency", sa.String(100), nullable=False),  # the batch's requesting agency
    sa.Column("batch_id", sa.String(200), nullable=False),
    sa.Column("request_id", sa.String(200), nullable=False),
    sa.Column("row", sa.Integer, nullable=False),
    # The candidate the decision is about: what an approval would disclose the address of.
    sa.Column("tin", sa.String(9), nullable=False),
    sa.Column("match_probability", sa.Float, nullable=False),
    sa.Column("match_weight", sa.Float, nullable=False),
    sa.Column("rule_set", sa.String(64), nullable=False),
    sa.Column("decisions_path", sa.Text, nullable=False),
    sa.Column("enqueued_at", sa.String(40), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open | approved | refused
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decided_at", sa.String(40)),
    sa.Column("reason", sa.Text),
    sa.Column("release_number", sa.Integer),
    sa.UniqueConstraint("agency", "batch_id", "request_id", "row", name="uq_review_case_record"),
)

# One row per supplement response written for a batch, numbered from 1.
review_releases = sa.Table(
    "review_releases",
    metadata,
    sa.Column("agency", sa.String(100), primary_key=True),
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("released_at", sa.String(40), nullable=False),
    sa.Column("released_by", sa.String(200), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("response_sha256", sa.String(64), nullable=False),
    sa.Column("disclosed", sa.Integer, nullable=False),
    sa.Column("not_disclosed", sa.Integer, nullable=False),
)

REVIEW_TABLES = (review_cases, review_releases)
