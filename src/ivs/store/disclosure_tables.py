"""Tables of disclosure control: each record's committed decision, court holds, recalls and
recipient agencies' safeguard status (on the store's one metadata).

``batch_records`` is the working index of the ledger for one batch: a row is written in the
same transaction as the record's ``record_decision`` (and ``disclosure``) entries, so its
presence means the decision is on the record, exactly once (primary key). Response files
are derived from these rows. The ledger stays the authority; these rows say where in it
each decision lies.
"""

from __future__ import annotations

import sqlalchemy as sa

from ivs.store.schema import metadata

__all__ = ["agency_safeguards", "batch_records", "holds", "recalls"]

batch_records = sa.Table(
    "batch_records",
    metadata,
    sa.Column("agency", sa.String(100), primary_key=True),  # the batch's requesting agency
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("row", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("request_id", sa.String(200), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("code", sa.String(60), nullable=False),
    # The taxpayer the decision is about (the best candidate), null where none was scored.
    sa.Column("tin", sa.String(9)),
    sa.Column("request_state", sa.String(2)),
    sa.Column("decision_entry", sa.BigInteger, nullable=False),
    sa.Column("disclosure_entry", sa.BigInteger),
    sa.Column("decided_at", sa.String(40), nullable=False),
    sa.Index("ix_batch_records_tin", "tin"),
    # On SQLite the rows live in their primary key's B-tree: one tree to write, not two.
    sqlite_with_rowid=False,
)

holds = sa.Table(
    "holds",
    metadata,
    sa.Column("hold_id", sa.String(20), primary_key=True),
    sa.Column("scope", sa.String(220), nullable=False),  # all | agency:X | batch:ID | state:ST
    sa.Column("order_text", sa.Text, nullable=False),
    sa.Column("effective_at", sa.String(40), nullable=False),
    sa.Column("placed_at", sa.String(40), nullable=False),
    sa.Column("placed_by", sa.String(200), nullable=False),
    sa.Column("lifted_at", sa.String(40)),
    sa.Column("lift_order", sa.Text),
    sa.Column("lifted_by", sa.String(200)),
    sa.Column("placed_entry", sa.BigInteger, nullable=False),
)

recalls = sa.Table(
    "recalls",
    metadata,
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

agency_safeguards = sa.Table(
    "agency_safeguards",
    metadata,
    sa.Column("agency", sa.String(100), primary_key=True),
    sa.Column("open_findings", sa.Integer, nullable=False),
    sa.Column("corrective_plan_dated", sa.String(10)),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("changed_at", sa.String(40), nullable=False),
    sa.Column("changed_by", sa.String(200), nullable=False),
)
