"""Column sets of the data contract (``spec/formats.md``), shared by readers, writers and stages."""

from __future__ import annotations

__all__ = [
    "ADDRESS_COLUMNS",
    "ADDRESS_FIELDS",
    "ADDRESS_NULLABLE",
    "MANIFEST_FORMAT",
    "RECORD_COLUMNS",
    "RECORD_REQUIRED",
    "RESPONSE_COLUMNS",
    "RESTRICTION_COLUMNS",
    "RESTRICTION_KINDS",
    "RESTRICTION_NULLABLE",
    "SIGNERS_FORMAT",
    "SIGNER_ROLES",
    "SIGNING_ROLES",
    "TAXPAYER_COLUMNS",
    "TAXPAYER_NULLABLE",
]

MANIFEST_FORMAT = "ivs-request-batch/1"
SIGNERS_FORMAT = "ivs-signers/1"

SIGNER_ROLES = ("head_of_agency", "inspector_general", "delegate")
# Only these may sign a request under 6103(i)(2)(A); a delegate may submit and fetch only.
SIGNING_ROLES = ("head_of_agency", "inspector_general")

# The fields of an address, as the contract names them wherever one appears: in a request
# (§1.2), an address of record (§2) and the last known address disclosed (§3).
ADDRESS_FIELDS: tuple[str, ...] = ("street_address", "unit", "city", "state", "zip")

# Request records (§1.2), in the order the contract lists them.
RECORD_COLUMNS: tuple[str, ...] = (
    "request_id",
    "last_name",
    "first_name",
    "middle_name",
    "name_suffix",
    *ADDRESS_FIELDS,
    "date_of_birth",
    "tin",
    "a_number",
    "removal_order_final_date",
    "reason",
)
RECORD_REQUIRED: frozenset[str] = frozenset(
    {
        "request_id",
        "last_name",
        "first_name",
        "street_address",
        "city",
        "state",
        "zip",
        "a_number",
        "removal_order_final_date",
    }
)

# Master file (§2): column -> logical type ("string", "date", "int").
TAXPAYER_COLUMNS: dict[str, str] = {
    "tin": "string",
    "tin_type": "string",
    "last_name": "string",
    "first_name": "string",
    "middle_name": "string",
    "name_suffix": "string",
    "date_of_birth": "date",
}
TAXPAYER_NULLABLE = frozenset({"middle_name", "name_suffix", "date_of_birth"})
ADDRESS_COLUMNS: dict[str, str] = {
    "tin": "string",
    "tax_year": "int",
    **dict.fromkeys(ADDRESS_FIELDS, "string"),
    "received_date": "date",
}
ADDRESS_NULLABLE = frozenset({"unit"})
RESTRICTION_COLUMNS: dict[str, str] = {
    "tin": "string",
    "kind": "string",
    "since": "date",
    "until": "date",
}
RESTRICTION_NULLABLE = frozenset({"until"})
RESTRICTION_KINDS = ("informant", "tax_investigation")

# Response file (§3), in this order.
RESPONSE_COLUMNS: tuple[str, ...] = (
    "request_id",
    "outcome",
    *ADDRESS_FIELDS,
    "rejection_reason",
    "advisories",
)
