"""Tables of the relational store (SQLAlchemy Core), one metadata for SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["batches", "metadata", "pilot_changes"]

metadata = sa.MetaData()

# One row per batch id ever received; the manifest digest pins which batch owns the id.
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("manifest_digest", sa.String(64), nullable=False),
    sa.Column("requesting_agency", sa.String(100), nullable=False),
    sa.Column("record_count", sa.Integer, nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("received_at", sa.String(40), nullable=False),
    sa.Column("finished_at", sa.String(40)),
    sa.Column("response_sha256", sa.String(64)),
    sa.Column("detail", sa.Text),
    # How far the exactly-once commit has come (records decided on the record), the rule
    # set that decided them, and where the response went (for retention).
    sa.Column("committed_rows", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rule_set", sa.String(64)),
    sa.Column("out_dir", sa.Text),
    sa.Column("statute", sa.String(200)),
    sa.Column("purged_at", sa.String(40)),
)

# Pilot jurisdictions as an append-only history of changes; the state in force is derived.
pilot_changes = sa.Table(
    "pilot_changes",
    metadata,
    sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action", sa.String(10), nullable=False),  # enable | disable
    sa.Column("state", sa.String(2), nullable=False),
    sa.Column("zip3", sa.String(3)),  # null: the whole state
    sa.Column("effective", sa.String(10), nullable=False),
    sa.Column("changed_at", sa.String(40), nullable=False),
    sa.Column("changed_by", sa.String(200), nullable=False),
)
