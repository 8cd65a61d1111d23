"""The response package, end to end on a batch really run: it verifies offline, opens with a
recipient's key and no other, fails verification with any byte changed, is held while no
recipient has a key, and leaves no disclosed address on disk once its batch is purged."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pyrage
import pytest
from tests.batch.small_world import REQUESTS, write_batch, write_master
from tests.intake.batch_factory import make_batch
from tests.recipients import (
    OTHER_IDENTITY,
    OTHER_PUBLIC_KEY,
    SMITH_IDENTITY,
    identity_file,
    opened_plaintext,
    opened_response,
)
from typer.testing import CliRunner

from ivs.batch.decisions_file import WorkDecisions, stored_decisions
from ivs.batch.retention import purge_working_data
from ivs.batch.run import RunResult, run_batch
from ivs.cli import app
from ivs.disclose.package import MEMBERS, package_zip
from ivs.disclose.package_check import open_package, verify_package
from ivs.disclose.recipient_keys import import_recipient_keys
from ivs.domain.errors import PackageError
from ivs.domain.settings import load_settings
from ivs.formats import read_signers
from ivs.formats.recipients import RecipientKey, write_recipient_keys
from ivs.ledger.keys import open_ledger

NOW = datetime(2025, 6, 28, tzinfo=UTC)
runner = CliRunner()
pytestmark = pytest.mark.usefixtures("ledger_key")


def ivs(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), terminal_width=250)
    assert result.exit_code == code, result.output
    return result.output


def entries() -> list[dict[str, Any]]:
    out = StringIO()
    open_ledger(load_settings()).export_jsonl(out)
    return [json.loads(json.loads(line)["entry"]) for line in out.getvalue().splitlines()]


def _run(tmp_path: Path, out: Path, manifest: Path | None = None, **options: Any) -> RunResult:
    master = write_master(tmp_path / "master")
    batch = write_batch(tmp_path / "batch")
    return run_batch(
        manifest or batch.manifest,
        master,
        read_signers(batch.signers),
        load_settings(),
        out,
        now=NOW,
        **options,
    )


@pytest.fixture
def answered(tmp_path: Path) -> RunResult:
    return _run(tmp_path, tmp_path / "out")


def _public_key() -> bytes:
    return open_ledger(load_settings()).public_key


def test_the_package_verifies_with_the_published_key_and_tree_head(
    answered: RunResult, tmp_path: Path, ivs_home: Path
) -> None:
    data = answered.response.read_bytes()
    checked = verify_package(data, public_key=_public_key())
    assert checked.batch_id == answered.batch_id
    assert checked.manifest["outcomes"] == answered.outcomes
    assert [r["name"] for r in checked.manifest["recipients"]] == ["Agent Smith"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert tuple(archive.namelist()) == MEMBERS
        assert b"55 ELM AVE" not in archive.read("response.csv.age")
    assert b"55 ELM AVE" not in data
    # The release entry the package proves records its digests and recipients.
    released = [e for e in entries() if e["kind"] == "response_released"]
    assert len(released) == 1
    index = checked.manifest["ledger"]["release_entry"]
    assert released[0]["i"] == index
    assert (
        released[0]["body"]["delivery"]["ciphertext_sha256"]
        == (checked.manifest["ciphertext"]["sha256"])
    )
    # From the command line, against the key and the head the agency publishes.
    head = tmp_path / "head.b64"
    ivs("ledger", "head", "--out", str(head))
    public = ivs_home / "keys" / "ledger.ed25519.pub"
    shown = ivs(
        "package", "verify", str(answered.response), "--public-key", str(public),
        "--tree-head", str(head),
    )  # fmt: skip
    assert f"ok: ledger entry {index} records this release" in shown
    assert "is in the published tree head" in shown
    # A later head needs the consistency proof from the package's head to it.
    ivs("ledger", "head", "--sign")
    import_recipient_keys(
        open_ledger(load_settings()).store,
        open_ledger(load_settings()),
        [_jones()],
        imported_by="t",
        now=datetime.now(UTC),
    )
    ivs("ledger", "head", "--sign", "--out", str(head))
    later = ivs(
        "package", "verify", str(answered.response), "--public-key", str(public),
        "--tree-head", str(head), code=20,
    )  # fmt: skip
    assert "--consistency" in later
    size = checked.manifest["ledger"]["inclusion_proof"]["tree_size"]
    published = base64.b64decode(head.read_text())
    new_size = int.from_bytes(published[8:16], "big")
    proof = tmp_path / "consistency.json"
    ivs("ledger", "consistency", str(size), "--out", str(proof))
    assert json.loads(proof.read_text())["new_size"] == new_size
    extended = ivs(
        "package", "verify", str(answered.response), "--public-key", str(public),
        "--tree-head", str(head), "--consistency", str(proof),
    )  # fmt: skip
    assert "extends the package's head" in extended


def test_a_recipient_opens_it_and_another_key_does_not(answered: RunResult, tmp_path: Path) -> None:
    rows = opened_response(answered.response, tmp_path / "opened").to_pylist()
    assert [(r["request_id"], r["outcome"]) for r in rows] == [
        (r["request_id"], outcome) for r, outcome, _ in REQUESTS
    ]
    assert rows[0]["street_address"] == "55 ELM AVE"
    with pytest.raises(PackageError, match="not one of its recipients' keys"):
        open_package(
            answered.response.read_bytes(), [pyrage.x25519.Identity.from_str(OTHER_IDENTITY)]
        )
    out = tmp_path / "opened" / "response.csv"
    ivs(
        "package", "open", str(answered.response), "--key", str(identity_file(tmp_path / "k")),
        "--out", str(out),
    )  # fmt: skip
    assert out.read_bytes() == opened_plaintext(answered.response)
    other = identity_file(tmp_path / "other", OTHER_IDENTITY)
    refused = ivs(
        "package", "open", str(answered.response), "--key", str(other),
        "--out", str(tmp_path / "no.csv"), code=20,
    )  # fmt: skip
    assert "not one of its recipients' keys" in refused
    assert not (tmp_path / "no.csv").exists()


def test_any_byte_changed_anywhere_fails_verification(answered: RunResult) -> None:
    data = answered.response.read_bytes()
    key = _public_key()
    for position in range(len(data)):
        edited = bytearray(data)
        edited[position] ^= 0x01
        with pytest.raises(PackageError):
            verify_package(bytes(edited), public_key=key)
    # Members edited and packed again in the canonical archive: the container is then as
    # expected, and what each member says must still fail.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in MEMBERS}
    for name in MEMBERS:
        for position in range(len(members[name])):
            edited = bytearray(members[name])
            edited[position] ^= 0x01
            with pytest.raises(PackageError):
                verify_package(package_zip({**members, name: bytes(edited)}), public_key=key)
    # Signed by another key, the package is not the agency's.
    with pytest.raises(PackageError, match="does not verify with ledger key"):
        verify_package(data, public_key=bytes(32 * [7]))


def _jones() -> RecipientKey:
    return RecipientKey(
        agency="DHS-ICE",
        name="Agent Jones",
        office="ERO Dallas",
        public_key=OTHER_PUBLIC_KEY,
        valid_from=datetime(2025, 1, 1).date(),
        valid_until=None,
    )


def test_a_batch_whose_recipients_have_no_key_is_held_until_they_do(tmp_path: Path) -> None:
    jones = {"name": "Agent Jones", "title": "Special Agent", "office": "ERO Dallas"}
    held_manifest = make_batch(tmp_path / "held", recipients=[jones], batch_id="HELD-1").manifest
    out = tmp_path / "out"
    held = _run(tmp_path, out, held_manifest)
    assert held.withheld
    assert held.withheld_because is not None
    assert "Agent Jones (ERO Dallas)" in held.withheld_because
    assert "ivs recipients import" in held.withheld_because
    assert not held.response.exists()
    assert not list(out.glob("*.response.csv"))
    withheld = [e["body"] for e in entries() if e["kind"] == "response_withheld"]
    assert [w["batch_id"] for w in withheld] == ["HELD-1"]
    assert not [e for e in entries() if e["kind"] == "response_released"]
    keys = tmp_path / "jones.json"
    write_recipient_keys(keys, [_jones()])
    ivs("recipients", "import", str(keys))
    assert "Agent Jones" in ivs("recipients", "list")
    released = _run(tmp_path, out, held_manifest)
    assert not released.withheld
    assert opened_plaintext(released.response, OTHER_IDENTITY).startswith(b"request_id")
    with pytest.raises(PackageError):
        opened_plaintext(released.response, SMITH_IDENTITY)


def test_a_revoked_key_is_no_longer_encrypted_to(tmp_path: Path) -> None:
    fingerprint = RecipientKey(
        agency="DHS-ICE",
        name="Agent Smith",
        office="ERO Houston",
        public_key="age13a8r5l73p45xn6nz3lwkd6s7a3607zk0je67xzwqqyyqr0kw0s9swla89u",
        valid_from=datetime(2025, 1, 1).date(),
        valid_until=None,
    ).fingerprint
    assert "revoked" in ivs("recipients", "revoke", fingerprint[:12], "--reason", "lost laptop")
    held = _run(tmp_path, tmp_path / "out")
    assert held.withheld
    assert [e["body"]["action"] for e in entries() if e["kind"] == "recipient_keys_changed"] == [
        "import",
        "revoke",
    ]


def test_plaintext_only_by_the_operators_choice_on_the_record(tmp_path: Path) -> None:
    result = _run(tmp_path, tmp_path / "out", plaintext_response=True, operator="j.doe")
    assert result.plaintext is not None
    assert result.plaintext.read_bytes() == opened_plaintext(result.response)
    forms = [
        (e["body"]["delivery"]["form"], e["body"]["delivery"].get("operator"))
        for e in entries()
        if e["kind"] == "response_released"
    ]
    assert forms == [("package", None), ("plaintext", "j.doe")]


def _strings_in(path: Path) -> bytes:
    """The file's bytes, and for the containers that compress (Parquet, Arrow IPC, SQLite
    pages are not compressed) the text of every value they hold, so compression cannot hide
    an address from the search."""
    data = path.read_bytes()
    texts = [data]
    if path.suffix == ".parquet":
        texts.append(json.dumps(pq.read_table(path).to_pylist(), default=str).encode())
    if path.suffix == ".arrow" and not data.startswith(b"IVS-SEALED"):
        table = pa.ipc.open_file(pa.BufferReader(data)).read_all()
        texts.append(json.dumps(table.to_pylist(), default=str).encode())
    if data.startswith(b"SQLite format 3"):
        with sqlite3.connect(path) as conn:
            texts.append("\n".join(conn.iterdump()).encode())
    return b"\n".join(texts)


def test_after_purge_no_disclosed_address_is_left_anywhere_in_ivs_home(
    tmp_path: Path, ivs_home: Path
) -> None:
    # The answer folder inside $IVS_HOME, so that the search covers it too.
    result = _run(tmp_path, ivs_home / "out", plaintext_response=True)
    disclosed = [
        r["street_address"].encode()
        for r in opened_response(result.response, tmp_path / "opened").to_pylist()
        if r["outcome"] == "DISCLOSED"
    ]
    assert disclosed
    settings = load_settings()
    work = WorkDecisions.of(settings, result.key)
    # Before the purge the addresses are on disk: in the plaintext the operator chose, and in
    # the working decisions, sealed (not in their bytes, but in what the batch's key opens).
    assert result.plaintext is not None
    assert all(a in _strings_in(result.plaintext) for a in disclosed)
    assert not [a for a in disclosed if a in _strings_in(work.path)]
    opened = pa.ipc.open_file(pa.BufferReader(work.unseal(work.path.read_bytes()))).read_all()
    assert all(a in json.dumps(opened.to_pylist(), default=str).encode() for a in disclosed)
    # The decisions file beside the response never held one.
    published = _strings_in(result.decisions)
    assert not [a for a in disclosed if a in published]

    purged = purge_working_data(
        settings, open_ledger(settings), older_than_days=0, purged_by="test"
    )
    assert purged.batches == [result.key]
    key_file = ivs_home / "keys" / "batches" / result.agency / f"{result.batch_id}.key"
    assert not key_file.exists()
    # The master file's index (the agency's own copy of every taxpayer's address, which
    # no batch's purge removes) is the one place left out; it does hold them.
    index = ivs_home / "index"
    assert any(a in _strings_in(p) for p in index.rglob("last_known.parquet") for a in disclosed)
    found = [
        (str(path.relative_to(ivs_home)), address.decode())
        for path in sorted(ivs_home.rglob("*"))
        if path.is_file() and index not in path.parents
        for address in disclosed
        if address in _strings_in(path)
    ]
    assert found == []
    purge = [e["body"] for e in entries() if e["kind"] == "purge"]
    assert "keys sealing the working data" in purge[0]["what"]
    # Sealed copies made before the purge (a backup) can no longer be read.
    assert stored_decisions(work, "any") is None


def test_a_batch_finished_in_the_cutoffs_own_second_is_purged(answered: RunResult) -> None:
    """Finish times are recorded to the second: `ivs purge --older-than 0` in the second a
    batch finished purges it; a second earlier, it had not finished."""
    settings = load_settings()
    ledger = open_ledger(settings)
    before = NOW - timedelta(seconds=1)
    purge = purge_working_data(settings, ledger, older_than_days=0, purged_by="t", now=before)
    assert purge.batches == []
    same_second = NOW + timedelta(microseconds=999_999)
    purge = purge_working_data(settings, ledger, older_than_days=0, purged_by="t", now=same_second)
    assert purge.batches == [answered.key]


def test_the_command_line_says_a_batch_is_held_and_exits_8(tmp_path: Path) -> None:
    jones = {"name": "Agent Jones", "title": "Special Agent", "office": "ERO Dallas"}
    batch = make_batch(tmp_path / "held", recipients=[jones], batch_id="HELD-2")
    master = write_master(tmp_path / "master")
    out = tmp_path / "out"
    said = ivs(
        "run", str(batch.manifest), "--master", str(master), "--signers", str(batch.signers),
        "--out", str(out), code=8,
    )  # fmt: skip
    assert "response held" in said
    assert "Agent Jones (ERO Dallas)" in said
    assert "ivs recipients import" in said
    assert not list(out.glob("*.zip"))
    assert not list(out.glob("*.csv"))


def test_a_recipients_file_with_problems_is_refused_naming_each(tmp_path: Path) -> None:
    bad = tmp_path / "recipients.json"
    bad.write_text(
        json.dumps(
            {
                "format": "ivs-recipients/1",
                "recipients": [
                    {"agency": "DHS-ICE", "name": "A", "office": "X", "public_key": "age1nope",
                     "valid_from": "2025-01-01", "valid_until": None},
                    {"agency": "", "name": "B", "office": "Y", "public_key": OTHER_PUBLIC_KEY,
                     "valid_from": "01/01/2025", "valid_until": None},
                ],
            }
        )
    )  # fmt: skip
    said = ivs("recipients", "import", str(bad), code=3)
    assert "recipients[0].public_key" in said
    assert "must be an age X25519 public key" in said
    assert "recipients[1].agency" in said
    assert "recipients[1].valid_from" in said
    assert "0 recipient key(s)" in ivs("recipients", "list", "--agency", "NONE")


def test_a_signed_manifest_of_the_wrong_shape_is_refused_not_a_crash(
    answered: RunResult, ivs_home: Path
) -> None:
    """Even signed by the agency's key, a manifest that lacks a field is a PackageError."""
    from ivs.ledger.entries import canonical_json
    from ivs.ledger.keys import load_ledger_key

    key = load_ledger_key(ivs_home / "keys" / "ledger.ed25519")
    with zipfile.ZipFile(io.BytesIO(answered.response.read_bytes())) as archive:
        members = {name: archive.read(name) for name in MEMBERS}
    manifest = json.loads(members["package.json"])
    for field, value in (("ciphertext", None), ("recipients", ["x"]), ("number", True)):
        changed = canonical_json({**manifest, field: value}).encode()
        package = package_zip(
            {**members, "package.json": changed, "package.sig": key.sign(changed)}
        )
        with pytest.raises(PackageError, match=field):
            verify_package(package, public_key=_public_key())
