"""Batch authority: every rule has a test that fails without it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ivs.domain.settings import Settings
from ivs.formats import manifest_signature_valid, read_signers, sign_manifest
from ivs.intake.authority import RecordsFileFacts, authority_problems, records_file_problems

from .batch_factory import make_batch, public_bytes

NOW = datetime(2025, 6, 28, tzinfo=UTC)

# RFC 8032 section 7.1, tests 1-3: secret key, public key, message, signature (hex).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_ed25519_rfc8032_vectors(secret: str, public: str, message: str, signature: str) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret))
    assert public_bytes(key).hex() == public
    assert key.sign(bytes.fromhex(message)).hex() == signature


def problems_of(tmp_path: Path, settings: Settings | None = None, **kwargs: Any) -> list[str]:
    batch = make_batch(tmp_path / "b", **kwargs)
    roster = read_signers(batch.signers)
    return authority_problems(
        batch.raw, str(batch.manifest), roster, settings or Settings(), now=NOW
    )


def test_a_good_batch_has_no_problem(tmp_path: Path) -> None:
    assert problems_of(tmp_path) == []


def test_changed_byte_in_manifest_breaks_the_signature(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    text = batch.manifest.read_text()
    tampered = json.loads(text.replace("ERO Houston", "ERO Houstom"))
    roster = read_signers(batch.signers)
    problems = authority_problems(tampered, "m", roster, Settings(), now=NOW)
    assert any("signature is not valid" in p for p in problems)


def test_signature_by_another_key_is_refused(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    other = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)
    forged = sign_manifest(batch.raw, other)
    assert not manifest_signature_valid(forged, public_bytes(batch.key))
    problems = authority_problems(forged, "m", read_signers(batch.signers), Settings(), now=NOW)
    assert any("signature is not valid" in p for p in problems)


def test_changed_key_in_roster_breaks_the_signature(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    roster_raw = json.loads(batch.signers.read_text())
    other = Ed25519PrivateKey.from_private_bytes(b"\x09" * 32)
    import base64

    roster_raw["signers"][0]["public_key"] = base64.b64encode(public_bytes(other)).decode()
    batch.signers.write_text(json.dumps(roster_raw))
    problems = authority_problems(batch.raw, "m", read_signers(batch.signers), Settings(), now=NOW)
    assert any("signature is not valid" in p for p in problems)


def test_unsigned_batch(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, sign=False)
    assert any("unsigned" in p for p in problems)


def test_key_not_in_roster(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    problems = authority_problems(batch.raw, "m", {}, Settings(), now=NOW)
    assert any("not in the signer roster" in p for p in problems)


def test_delegate_may_not_sign(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, role="delegate")
    assert any("only the head of the agency or its Inspector General" in p for p in problems)


def test_inspector_general_may_sign(tmp_path: Path) -> None:
    assert problems_of(tmp_path, role="inspector_general") == []


def test_expired_key(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, valid_until=date(2025, 3, 1))
    assert any("not on 2025-06-27" in p for p in problems)


def test_key_not_yet_valid(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, submitted_at="2024-12-01T00:00:00Z")
    assert any("not on 2024-12-01" in p for p in problems)


def test_signer_of_another_agency(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, signer_agency="DHS-CBP")
    assert any("belongs to agency 'DHS-CBP'" in p for p in problems)


def test_submitted_in_the_future(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, submitted_at="2025-07-30T00:00:00Z")
    assert any("in the future" in p for p in problems)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("format", "ivs-request-batch/2", "format"),
        ("statute", None, "statute"),
        ("statute", "26 U.S.C. 7201", "Title 26"),
        ("statute", "18 U.S.C. 1546", "allow-list"),
        ("purpose", "", "purpose"),
        ("tax_periods", [], "tax_periods"),
        ("tax_periods", ["FY2024"], "tax_periods"),
        ("solely_for_use_certification", False, "solely_for_use_certification"),
        ("solely_for_use_certification", "yes", "solely_for_use_certification"),
        ("recipients", [], "recipients"),
        ("recipients", [{"name": "A", "title": "", "office": "X"}], "recipients[0]"),
        ("submitted_at", "2025-06-27", "submitted_at"),
        ("batch_id", None, "batch_id"),
    ],
)
def test_each_manifest_requirement(tmp_path: Path, field: str, value: Any, expected: str) -> None:
    overrides = {field: value}
    problems = problems_of(tmp_path, **overrides)
    assert any(expected in p for p in problems), problems


def test_every_problem_is_reported_together(tmp_path: Path) -> None:
    problems = problems_of(
        tmp_path,
        role="delegate",
        statute="26 U.S.C. 7201",
        purpose="",
        recipients=[],
        solely_for_use_certification=False,
    )
    assert len(problems) >= 5


def test_max_batch_size(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, Settings(max_batch_records=3))
    assert any("more than the maximum of 3" in p for p in problems)


def test_records_file_facts() -> None:
    raw = {"records": {"file": "r.csv", "sha256": "a" * 64, "count": 5}}
    assert records_file_problems(raw, RecordsFileFacts(exists=False), Settings())[0].startswith(
        "records file 'r.csv' not found"
    )
    changed = records_file_problems(raw, RecordsFileFacts(True, "b" * 64), Settings())
    assert "changed after signing" in changed[0]
    wrong_count = records_file_problems(raw, RecordsFileFacts(True, "a" * 64, 6), Settings())
    assert "holds 6 records, not 5" in wrong_count[0]
    assert records_file_problems(raw, RecordsFileFacts(True, "a" * 64, 5), Settings()) == []
