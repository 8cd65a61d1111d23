"""Tables of the service: users and their token hashes, the signer roster, batch jobs, and the
access record (who read what, and every failed authentication)."""

from __future__ import annotations

import sqlalchemy as sa

from ivs.store.schema import metadata

__all__ = [
    "SERVICE_TABLES",
    "service_access",
    "service_jobs",
    "service_sessions",
    "service_users",
    "signer_roster",
]

# One bearer token a user. The token is ``ivs_<token_id>_<secret>``: the id finds the row, the
# secret's SHA-256 is compared in constant time; the secret itself is never stored.
service_users = sa.Table(
    "service_users",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("agency", sa.String(100)),
    sa.Column("token_id", sa.String(32), nullable=False, unique=True),
    sa.Column("token_sha256", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("revoked_at", sa.String(40)),
    sa.Column("revoked_by", sa.String(200)),
    sa.Column("expires_at", sa.String(40)),  # null: until revoked
)

# A web sign-in: the browser's cookie holds a random secret of its own (never the bearer
# token), the store its SHA-256. A session ends at ``expires_at`` or when signed out, and with
# its user's token (revoked or expired).
service_sessions = sa.Table(
    "service_sessions",
    metadata,
    sa.Column("session_sha256", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(200), nullable=False, index=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
    sa.Column("ended_at", sa.String(40)),
)

# The roster of formats.md §1.3 as the tax agency keeps it; ``ivs signers import`` replaces it.
signer_roster = sa.Table(
    "signer_roster",
    metadata,
    sa.Column("key_id", sa.String(200), primary_key=True),
    sa.Column("agency", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("public_key", sa.String(64), nullable=False),  # base64 of 32 raw bytes
    sa.Column("valid_from", sa.String(10), nullable=False),
    sa.Column("valid_until", sa.String(10)),
    sa.Column("imported_at", sa.String(40), nullable=False),
)

# A batch submitted to the service, run in the background; resumed after a restart. Known,
# as every batch, by its agency and its id.
service_jobs = sa.Table(
    "service_jobs",
    metadata,
    sa.Column("agency", sa.String(100), primary_key=True),
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("submitted_by", sa.String(200), nullable=False),
    sa.Column("manifest_path", sa.Text, nullable=False),
    sa.Column("out_dir", sa.Text, nullable=False),
    sa.Column("record_count", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # queued|running|completed|failed
    sa.Column("step", sa.String(200)),
    sa.Column("steps_done", sa.Integer, nullable=False, server_default="0"),
    sa.Column("submitted_at", sa.String(40), nullable=False),
    sa.Column("started_at", sa.String(40)),
    sa.Column("finished_at", sa.String(40)),
    sa.Column("outcomes", sa.Text),  # JSON: records by outcome
    sa.Column("error_type", sa.String(60)),
    sa.Column("error_message", sa.Text),
    # The lease of the service process running the job (host, pid, a nonce of its start),
    # renewed while it runs: one worker per batch, and a restart knows a dead holder's job.
    sa.Column("lease_owner", sa.String(200)),
    sa.Column("lease_expires_at", sa.String(40)),
    sa.Column("worker_pid", sa.Integer),  # the batch's own process, while it runs
    sa.Column("resumed", sa.Integer, nullable=False, server_default="0"),
)

# Who did what, when: every access to taxpayer data and every failed authentication. The path
# is kept without its query string (a TIN may be a query parameter); tokens are never kept.
service_access = sa.Table(
    "service_access",
    metadata,
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

SERVICE_TABLES = (service_users, signer_roster, service_jobs, service_access, service_sessions)
