"""Tampering with the stored ledger by SQL, as a DBA could: verify fails and names the entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ivs.ledger.entries import Entry, disclosure, record_decision
from ivs.ledger.log import Ledger
from ivs.ledger.merkle import leaf_hash

Tamper = Callable[..., None]
AT = datetime(2025, 3, 1, 12, tzinfo=UTC)


def entries(count: int) -> list[Entry]:
    return [
        record_decision(
            at=AT,
            agency="A",
            batch_id="B1",
            request_id=f"R{i}",
            outcome="DISCLOSED" if i % 3 == 0 else "NOT_DISCLOSED",
            code="MATCHED" if i % 3 == 0 else "NO_CANDIDATE",
            rule_set="ab" * 32,
            software_version="0.1.0",
        )
        for i in range(count)
    ]


@pytest.fixture
def filled(ledger: Ledger) -> Ledger:
    ledger.append(entries(45))
    assert ledger.verify().ok
    return ledger


def entry_bytes(engine: sa.Engine, index: int) -> bytes:
    with engine.connect() as conn:
        value = conn.exec_driver_sql(
            f"SELECT entry FROM ledger_entries WHERE entry_index = {index}"
        ).scalar_one()
    return bytes(value)


def blob(engine: sa.Engine, data: bytes) -> str:
    return f"X'{data.hex()}'" if engine.dialect.name == "sqlite" else f"'\\x{data.hex()}'::bytea"


def test_edited_content_is_named(filled: Ledger, engine: sa.Engine, tamper: Tamper) -> None:
    edited = entry_bytes(engine, 22).replace(b"NOT_DISCLOSED", b"DISCLOSED")
    assert edited != entry_bytes(engine, 22)
    tamper(f"UPDATE ledger_entries SET entry = {blob(engine, edited)} WHERE entry_index = 22")
    report = filled.verify()
    assert not report.ok
    assert report.first_bad_index == 22
    assert "entry 22's bytes do not hash" in str(report.problem)
    assert report.entries == 22


def test_content_rewritten_with_its_leaf_hash_is_found_by_the_tree(
    engine: sa.Engine, signing_key: Ed25519PrivateKey, tamper: Tamper
) -> None:
    ledger = Ledger(engine, signing_key, checkpoint_interval=1000)
    ledger.append(entries(45))
    edited = entry_bytes(engine, 22).replace(b"NOT_DISCLOSED", b"DISCLOSED")
    tamper(
        f"UPDATE ledger_entries SET entry = {blob(engine, edited)}, "
        f"leaf_hash = {blob(engine, leaf_hash(edited))} WHERE entry_index = 22"
    )
    report = ledger.verify()
    assert not report.ok
    # The leaf hash was forged too, so the smallest stored subtree holding it is named.
    assert report.first_bad_index == 16
    assert "entries 16 to 31" in str(report.problem)


def test_content_rewritten_with_its_leaf_hash_fails_the_next_signed_head(
    filled: Ledger, engine: sa.Engine, tamper: Tamper
) -> None:
    edited = entry_bytes(engine, 22).replace(b"NOT_DISCLOSED", b"DISCLOSED")
    tamper(
        f"UPDATE ledger_entries SET entry = {blob(engine, edited)}, "
        f"leaf_hash = {blob(engine, leaf_hash(edited))} WHERE entry_index = 22"
    )
    report = filled.verify()
    # Heads every 10 entries: the head of 30 fails first, after the head of 20 matched.
    assert report.first_bad_index == 20
    assert "an entry from 20 on" in str(report.problem)


def test_a_rewritten_subtree_table_still_fails_against_the_signed_heads(
    filled: Ledger, engine: sa.Engine, tamper: Tamper
) -> None:
    edited = entry_bytes(engine, 22).replace(b"NOT_DISCLOSED", b"DISCLOSED")
    assert edited != entry_bytes(engine, 22)
    tamper(
        f"UPDATE ledger_entries SET entry = {blob(engine, edited)}, "
        f"leaf_hash = {blob(engine, leaf_hash(edited))} WHERE entry_index = 22",
        "DELETE FROM ledger_subtrees",
    )
    report = filled.verify()
    assert not report.ok
    assert report.first_bad_index is not None
    assert report.first_bad_index <= 22


def test_a_deleted_entry_is_named(filled: Ledger, tamper: Tamper) -> None:
    tamper("DELETE FROM ledger_entries WHERE entry_index = 30")
    report = filled.verify()
    assert report.first_bad_index == 30
    assert "entry 30 is missing" in str(report.problem)


def test_a_deleted_end_is_found(filled: Ledger, tamper: Tamper) -> None:
    tamper("DELETE FROM ledger_entries WHERE entry_index >= 44")
    report = filled.verify()
    assert report.first_bad_index == 44
    assert "missing" in str(report.problem)


def test_reordered_entries_are_named(filled: Ledger, engine: sa.Engine, tamper: Tamper) -> None:
    tamper(
        "UPDATE ledger_entries SET entry_index = -1 WHERE entry_index = 12",
        "UPDATE ledger_entries SET entry_index = 12 WHERE entry_index = 27",
        "UPDATE ledger_entries SET entry_index = 27 WHERE entry_index = -1",
    )
    report = filled.verify()
    assert report.first_bad_index == 12
    assert "holds the bytes of entry 27" in str(report.problem)


def test_an_inserted_entry_is_named(filled: Ledger, engine: sa.Engine, tamper: Tamper) -> None:
    forged = disclosure(
        at=AT,
        batch_id="B1",
        request_id="R999",
        tin="123456789",
        recipient_agency="X",
        recipients=[],
        statute="8 U.S.C. 1253(a)(1)",
        purpose="p",
        fields=["zip"],
        values_digest="00" * 32,
    ).to_bytes(45)
    tamper(
        "INSERT INTO ledger_entries (entry_index, kind, entry, leaf_hash, created_at) VALUES "
        f"(45, 'disclosure', {blob(engine, forged)}, {blob(engine, leaf_hash(forged))}, 'x')"
    )
    report = filled.verify()
    assert report.first_bad_index == 45
    assert "past the ledger's recorded size of 45" in str(report.problem)


def test_a_renumbered_insertion_is_named(filled: Ledger, engine: sa.Engine, tamper: Tamper) -> None:
    # Shift entries 40.. up by one (from the end, so the keys never collide) and put a copy
    # of entry 3 at 40.
    shifts = [
        f"UPDATE ledger_entries SET entry_index = {i + 1} WHERE entry_index = {i}"
        for i in range(44, 39, -1)
    ]
    copy = entry_bytes(engine, 3)
    tamper(
        *shifts,
        "INSERT INTO ledger_entries (entry_index, kind, entry, leaf_hash, created_at) VALUES "
        f"(40, 'record_decision', {blob(engine, copy)}, {blob(engine, leaf_hash(copy))}, 'x')",
    )
    report = filled.verify()
    assert report.first_bad_index == 40
    assert "holds the bytes of entry 3" in str(report.problem)


def test_an_edited_kind_is_named(filled: Ledger, tamper: Tamper) -> None:
    tamper("UPDATE ledger_entries SET kind = 'purge' WHERE entry_index = 8")
    report = filled.verify()
    assert report.first_bad_index == 8
    assert "its row says 'purge'" in str(report.problem)


def test_a_forged_signed_head_is_found(filled: Ledger, engine: sa.Engine, tamper: Tamper) -> None:
    with engine.connect() as conn:
        stored = bytes(
            conn.exec_driver_sql(
                "SELECT signed_head FROM ledger_signed_heads WHERE tree_size = 30"
            ).scalar_one()
        )
    forged = stored[:-1] + bytes([stored[-1] ^ 1])
    tamper(f"UPDATE ledger_signed_heads SET signed_head = {blob(engine, forged)}")
    report = filled.verify()
    assert not report.ok
    assert "does not verify" in str(report.problem)


def test_an_edited_right_edge_is_found(filled: Ledger, tamper: Tamper) -> None:
    tamper("UPDATE ledger_state SET tree_size = 44")
    report = filled.verify()
    assert report.first_bad_index == 44
