"""Tables of response packages: the recipients' registered public keys, and each package made.

A recipient key is an age X25519 public key (``age1…``) registered for one named officer of a
requesting agency (``ivs recipients import``); its fingerprint (SHA-256 of the key's text) is
its id. Revoking keeps the row and stamps it, so the record still says which key a past
package was encrypted to.
"""

from __future__ import annotations

import sqlalchemy as sa

from ivs.store.schema import metadata

__all__ = ["PACKAGE_TABLES", "recipient_keys", "response_packages"]

recipient_keys = sa.Table(
    "recipient_keys",
    metadata,
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

# The package now standing for each response of a batch (its agency and id): number 0 is the
# batch's response, N its N-th review supplement. Made again (a new row value) only when its
# file was lost.
response_packages = sa.Table(
    "response_packages",
    metadata,
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

PACKAGE_TABLES = ("recipient_keys", "response_packages")
