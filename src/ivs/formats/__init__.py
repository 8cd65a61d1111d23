"""Readers and writers of the data contract (``spec/formats.md``)."""

from ivs.formats.manifest import (
    Manifest,
    Recipient,
    canonical_manifest,
    check_manifest,
    file_sha256,
    manifest_from_raw,
    manifest_signature_valid,
    parse_instant,
    read_manifest,
    read_manifest_json,
    sign_manifest,
    write_manifest,
)
from ivs.formats.master import MasterFiles, locate_master, read_master_table, write_master_table
from ivs.formats.records import read_records, write_records
from ivs.formats.response import read_response, response_bytes, write_response
from ivs.formats.signers import Signer, check_signers, read_signers, signers_to_raw, write_signers
from ivs.formats.tabular import ROW_COLUMN, container_of, csv_bytes, load_json_object

__all__ = [
    "ROW_COLUMN",
    "Manifest",
    "MasterFiles",
    "Recipient",
    "Signer",
    "canonical_manifest",
    "check_manifest",
    "check_signers",
    "container_of",
    "csv_bytes",
    "file_sha256",
    "load_json_object",
    "locate_master",
    "manifest_from_raw",
    "manifest_signature_valid",
    "parse_instant",
    "read_manifest",
    "read_manifest_json",
    "read_master_table",
    "read_records",
    "read_response",
    "read_signers",
    "response_bytes",
    "sign_manifest",
    "signers_to_raw",
    "write_manifest",
    "write_master_table",
    "write_records",
    "write_response",
    "write_signers",
]
