"""Hostile batches: only the project's own errors or clean rejections, never a traceback."""

from __future__ import annotations

import json
import os
import resource
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivs.batch.intake_step import intake_batch
from ivs.domain.errors import BatchRejected, IvsError
from ivs.domain.settings import Settings
from ivs.formats import file_sha256, read_signers, sign_manifest, write_manifest

from .batch_factory import DIRECTOR_SEED, good_record, make_batch, write_csv

NOW = datetime(2025, 6, 28, tzinfo=UTC)


def resign(batch_dir: Path, records: Path, count: int) -> Path:
    """Point the batch's manifest at ``records`` and sign it again, as a requester would."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    manifest = batch_dir / "B.manifest.json"
    raw = json.loads(manifest.read_text())
    raw["records"] = {"file": records.name, "sha256": file_sha256(records), "count": count}
    write_manifest(
        manifest, sign_manifest(raw, Ed25519PrivateKey.from_private_bytes(DIRECTOR_SEED))
    )
    return manifest


def run(manifest: Path, signers: Path) -> object:
    try:
        return intake_batch(manifest, read_signers(signers), Settings(), [], now=NOW)
    except IvsError as e:
        return e


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=3000))
def test_random_manifest_bytes(tmp_path: Path, data: bytes) -> None:
    batch = make_batch(tmp_path / "b")
    batch.manifest.write_bytes(data)
    assert isinstance(run(batch.manifest, batch.signers), BatchRejected)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    manifest=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=6)
        ),
        max_leaves=30,
    )
)
def test_random_manifest_json(tmp_path: Path, manifest: object) -> None:
    batch = make_batch(tmp_path / "b")
    batch.manifest.write_text(json.dumps(manifest))
    assert isinstance(run(batch.manifest, batch.signers), BatchRejected)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=5000))
def test_random_records_bytes_signed_as_they_are(tmp_path: Path, data: bytes) -> None:
    batch = make_batch(tmp_path / "b")
    records = tmp_path / "b" / "B.records.csv"
    records.write_bytes(data)
    manifest = resign(tmp_path / "b", records, 1)
    result = run(manifest, batch.signers)
    assert isinstance(result, IvsError) or hasattr(result, "verdicts")


@pytest.mark.parametrize(
    "fields",
    [
        {"first_name": "X" * 1_000_000},
        {"last_name": "GAR\x00CIA"},
        {"street_address": '=HYPERLINK("http://x","1 MAIN ST")'},
        {"reason": "+cmd|' /C calc'!A0"},
        {"request_id": "@SUM(1+1)"},
    ],
)
def test_hostile_fields_are_rejected_or_accepted_cleanly(
    tmp_path: Path, fields: dict[str, str]
) -> None:
    rows = [good_record(1, **fields), *(good_record(i) for i in range(2, 6))]
    batch = make_batch(tmp_path / "b", rows)
    outcome = run(batch.manifest, batch.signers)
    assert hasattr(outcome, "verdicts"), outcome
    assert outcome.verdicts.num_rows == 5  # type: ignore[attr-defined]


def test_ten_thousand_columns(tmp_path: Path) -> None:
    batch = make_batch(tmp_path / "b")
    records = tmp_path / "b" / "wide.csv"
    base = good_record(1)
    header = list(base) + [f"extra_{i}" for i in range(10_000)]
    records.write_text(",".join(header) + "\n" + ",".join([*base.values(), *("x" * 10_000)]) + "\n")
    outcome = run(resign(tmp_path / "b", records, 1), batch.signers)
    assert hasattr(outcome, "verdicts"), outcome


def test_empty_and_ragged_records(tmp_path: Path) -> None:
    batch = make_batch(tmp_path / "b")
    records = tmp_path / "b" / "B.records.csv"
    records.write_bytes(b"")
    assert isinstance(run(resign(tmp_path / "b", records, 0), batch.signers), BatchRejected)
    write_csv(records, [good_record(1)])
    records.write_text(records.read_text() + "R9,ONLY,THREE\n")
    rejected = run(resign(tmp_path / "b", records, 2), batch.signers)
    assert isinstance(rejected, BatchRejected)
    assert "line 3" in str(rejected)


def test_memory_stays_bounded_on_a_1_gb_records_file(tmp_path: Path) -> None:
    batch = make_batch(tmp_path / "b")
    big = tmp_path / "b" / "B.records.csv"
    with big.open("wb") as f:  # sparse: 1 GiB on paper, no disk written
        f.truncate(1 << 30)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rejected = run(batch.manifest, batch.signers)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert isinstance(rejected, BatchRejected)
    assert "changed after signing" in str(rejected)
    assert grown_mib < 200, f"reading a 1 GiB records file grew memory by {grown_mib:.0f} MiB"
    assert os.path.getsize(big) == 1 << 30
