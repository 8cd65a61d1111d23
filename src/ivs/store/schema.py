"""Tables of the relational store (SQLAlchemy Core), one metadata for SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from ivs.domain.errors import InvalidRequest, NotFound
from ivs.domain.ids import BatchKey, is_identifier

__all__ = ["batch_is", "batches", "find_batch", "metadata", "pilot_changes"]

metadata = sa.MetaData()

# One row per batch ever received, known by its agency and its id (each agency's ids are its
# own); the manifest digest pins which batch owns the id within the agency.
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("requesting_agency", sa.String(100), primary_key=True),
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("manifest_digest", sa.String(64), nullable=False),
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


def batch_is(table: sa.Table, key: BatchKey) -> sa.ColumnElement[bool]:
    """The rows of ``table`` that belong to the batch ``key``: its agency and its id, never
    the id alone (each agency's ids are its own)."""
    agency = table.c.requesting_agency if "requesting_agency" in table.c else table.c.agency
    return sa.and_(agency == key.agency, table.c.batch_id == key.batch_id)


def find_batch(conn: sa.Connection, batch_id: str, agency: str | None = None) -> BatchKey:
    """The stored batch ``batch_id`` of ``agency``, or, with no agency given, of the one
    agency that sent a batch of that id. ``NotFound`` when there is none; ``InvalidRequest``
    naming the agencies when several sent one (each agency's ids are its own)."""
    found: list[str] = []
    if is_identifier(batch_id) and (agency is None or is_identifier(agency)):
        query = sa.select(batches.c.requesting_agency).where(batches.c.batch_id == batch_id)
        if agency is not None:
            query = query.where(batches.c.requesting_agency == agency)
        found = sorted(conn.execute(query).scalars())
    if not found:
        of = f" of {agency}" if agency is not None else ""
        raise NotFound(f"no batch {batch_id!r}{of} was received; check the batch id")
    if len(found) > 1:
        raise InvalidRequest(
            f"batch id {batch_id!r} names batches of {len(found)} agencies ({', '.join(found)}); "
            "each agency's batch ids are its own. Say which batch with --agency"
        )
    return BatchKey(found[0], batch_id)
