"""The world's files follow the data contract: read back with the project's own readers."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ivs.domain.schema import RECORD_COLUMNS
from ivs.formats import (
    file_sha256,
    locate_master,
    manifest_signature_valid,
    read_manifest,
    read_master_table,
    read_records,
    read_signers,
)
from ivs.synth import SynthConfig, generate_world


def test_master_tables_read_back(world_dir: Path) -> None:
    master = locate_master(world_dir / "master")
    assert master.restrictions is not None
    taxpayers = read_master_table(master.taxpayers, "taxpayers")
    addresses = read_master_table(master.addresses, "addresses")
    restrictions = read_master_table(master.restrictions, "restrictions")
    assert taxpayers.num_rows == 20_000
    assert addresses.num_rows >= taxpayers.num_rows
    assert set(addresses.column("tin").to_pylist()) == set(taxpayers.column("tin").to_pylist())
    kinds = set(restrictions.column("kind").to_pylist())
    assert kinds == {"informant", "tax_investigation"}
    received = addresses.column("received_date").to_pylist()
    years = addresses.column("tax_year").to_pylist()
    assert all(r.year in (y + 1, y + 2) for r, y in zip(received, years, strict=True))
    assert max(received) < date(2025, 6, 27)


def test_manifest_is_signed_by_the_director_and_matches_its_records(world_dir: Path) -> None:
    manifest_path = world_dir / "batch" / "SYN-7-A.manifest.json"
    manifest = read_manifest(manifest_path)
    roster = read_signers(world_dir / "signers.json")
    signer = roster[manifest.signer_key_id]
    assert signer.role == "head_of_agency"
    assert signer.agency == manifest.requesting_agency == "DHS-ICE"
    assert signer.valid_on(manifest.submitted_at.date())
    assert manifest_signature_valid(manifest.raw, signer.public_key)
    assert file_sha256(manifest.records_file) == manifest.records_sha256
    records = read_records(manifest.records_file)
    assert records.num_rows == manifest.records_count == 4_000
    assert manifest.statute == "8 U.S.C. 1253(a)(1)"
    assert manifest.solely_for_use_certification
    tampered = {**manifest.raw, "batch_id": "SYN-7-B"}
    assert not manifest_signature_valid(tampered, signer.public_key)


def test_roster_has_every_role_and_an_expired_key(world_dir: Path) -> None:
    roster = read_signers(world_dir / "signers.json")
    roles = {s.role for s in roster.values()}
    assert roles == {"head_of_agency", "inspector_general", "delegate"}
    expired = [s for s in roster.values() if s.valid_until and s.valid_until < date(2025, 6, 27)]
    assert expired


def test_private_keys_match_the_roster(world_dir: Path) -> None:
    roster = read_signers(world_dir / "signers.json")
    for key_id, signer in roster.items():
        path = world_dir / "keys" / f"{key_id}.TEST-ONLY.ed25519"
        private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_text()))
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert public == signer.public_key
    assert "TEST KEYS ONLY" in (world_dir / "keys" / "README.md").read_text()


def test_truth_has_one_row_per_record(world_dir: Path) -> None:
    truth = pq.read_table(world_dir / "truth.parquet")
    records = read_records(world_dir / "batch" / "SYN-7-A.records.csv")
    assert truth.column_names == [
        "request_id",
        "tin",
        "category",
        "expected_outcome",
        "expected_code",
        "variations",
        "lawfully_matchable",
    ]
    assert truth.column("request_id").to_pylist() == records.column("request_id").to_pylist()


@pytest.mark.parametrize("records_format", ["jsonl", "parquet"])
def test_other_record_containers_read_back(tmp_path: Path, records_format: str) -> None:
    config = SynthConfig(taxpayers=2_000, requests=200, seed=5, records_format=records_format)
    summary = generate_world(tmp_path, config)
    manifest = read_manifest(summary.files["manifest"])
    records = read_records(manifest.records_file)
    assert manifest.records_file.suffix == f".{records_format}"
    assert records.num_rows == 200
    assert set(RECORD_COLUMNS) <= set(records.column_names)
    assert file_sha256(manifest.records_file) == manifest.records_sha256
