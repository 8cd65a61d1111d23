"""Batches known by their agency and their id: each agency's batch ids are its own.

``batches``, ``batch_records``, ``review_cases``, ``review_releases`` and ``service_jobs`` are
keyed by (agency, batch id). Each table is made anew under its new key and its rows carried
over, the agency of a row taken from its batch (``batches.requesting_agency``; a job already
had its own), then the old table dropped and the new one given its name. Before this revision
ids were one namespace, so each stored id names exactly one agency's batch.

Revision ID: 0006
Revises: 0005
Create Date: 2025-01-06
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from ivs.domain.errors import StoreError

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_AGENCY_OF_BATCH = (
    "COALESCE((SELECT b.requesting_agency FROM batches b WHERE b.batch_id = old.batch_id), '')"
)


def _batches(name: str, scoped: bool) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("requesting_agency", sa.String(100), nullable=False, primary_key=scoped),
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("manifest_digest", sa.String(64), nullable=False),
        sa.Column("record_count", sa.Integer, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40)),
        sa.Column("response_sha256", sa.String(64)),
        sa.Column("detail", sa.Text),
        sa.Column("committed_rows", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rule_set", sa.String(64)),
        sa.Column("out_dir", sa.Text),
        sa.Column("statute", sa.String(200)),
        sa.Column("purged_at", sa.String(40)),
    )


def _batch_records(name: str, scoped: bool) -> sa.Table:
    agency = [sa.Column("agency", sa.String(100), primary_key=True)] if scoped else []
    return sa.Table(
        name,
        sa.MetaData(),
        *agency,
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


def _review_cases(name: str, scoped: bool) -> sa.Table:
    agency = [sa.Column("agency", sa.String(100), nullable=False)] if scoped else []
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("case_id", sa.Integer, primary_key=True, autoincrement=True),
        *agency,
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
    )


def _review_releases(name: str, scoped: bool) -> sa.Table:
    agency = [sa.Column("agency", sa.String(100), primary_key=True)] if scoped else []
    return sa.Table(
        name,
        sa.MetaData(),
        *agency,
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("released_at", sa.String(40), nullable=False),
        sa.Column("released_by", sa.String(200), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("response_sha256", sa.String(64), nullable=False),
        sa.Column("disclosed", sa.Integer, nullable=False),
        sa.Column("not_disclosed", sa.Integer, nullable=False),
    )


def _service_jobs(name: str, scoped: bool) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("agency", sa.String(100), nullable=False, primary_key=scoped),
        sa.Column("batch_id", sa.String(200), primary_key=True),
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
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_expires_at", sa.String(40)),
        sa.Column("worker_pid", sa.Integer),
        sa.Column("resumed", sa.Integer, nullable=False, server_default="0"),
    )


# Each table, and how a row of the old table gives the new one its agency (an expression over
# the old row ``old``; None where the table already had the agency's column).
_TABLES = (
    ("batch_records", _batch_records, _AGENCY_OF_BATCH),
    ("review_cases", _review_cases, _AGENCY_OF_BATCH),
    ("review_releases", _review_releases, _AGENCY_OF_BATCH),
    ("service_jobs", _service_jobs, None),
    ("batches", _batches, None),  # last: the others read their agency from it
)


def _remake(
    name: str, make: Callable[[str, bool], sa.Table], agency: str | None, scoped: bool
) -> None:
    """``name`` made anew, scoped or not, its rows carried over."""
    bind = op.get_bind()
    # Left by an attempt that stopped part-way (SQLite commits a CREATE TABLE by itself).
    op.execute(f"DROP TABLE IF EXISTS {name}_0006")
    new = make(f"{name}_0006", scoped)
    new.create(bind)
    columns = [c.name for c in new.columns]
    chosen = [
        (agency if scoped and c == "agency" and agency is not None else f"old.{c}") for c in columns
    ]
    quoted = ", ".join(bind.dialect.identifier_preparer.quote(c) for c in columns)
    selected = ", ".join(
        s if not s.startswith("old.") else "old." + bind.dialect.identifier_preparer.quote(s[4:])
        for s in chosen
    )
    op.execute(f"INSERT INTO {name}_0006 ({quoted}) SELECT {selected} FROM {name} old")
    op.drop_table(name)
    op.rename_table(f"{name}_0006", name)


def _indexes(scoped: bool) -> None:
    op.create_index("ix_batch_records_tin", "batch_records", ["tin"])
    key = ["agency", "batch_id"] if scoped else ["batch_id"]
    with op.batch_alter_table("review_cases") as cases:
        cases.create_unique_constraint("uq_review_case_record", [*key, "request_id", "row"])


def upgrade() -> None:
    for name, make, agency in _TABLES:
        _remake(name, make, agency, scoped=True)
    _indexes(scoped=True)


def downgrade() -> None:
    # Only a store whose ids are still unique across agencies can go back: the old key would
    # be violated otherwise, so the downgrade refuses before changing anything.
    shared = (
        op.get_bind()
        .execute(
            sa.text("SELECT batch_id FROM batches GROUP BY batch_id HAVING COUNT(*) > 1 LIMIT 5")
        )
        .scalars()
        .all()
    )
    if shared:
        raise StoreError(
            f"cannot go back to revision 0005: batch ids {', '.join(map(repr, shared))} are "
            "used by several agencies, and before 0006 an id named one batch. Nothing was changed."
        )
    for name, make, _agency in reversed(_TABLES):
        _remake(name, make, None, scoped=False)
    _indexes(scoped=False)
