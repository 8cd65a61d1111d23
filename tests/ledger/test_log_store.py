"""The stored ledger on SQLite and PostgreSQL: appends, transactions, heads, proofs, triggers."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ivs.domain.errors import NotFound, StoreError
from ivs.ledger import (
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
    verify_tree_head,
)
from ivs.ledger.entries import Entry, record_decision
from ivs.ledger.log import Ledger
from ivs.ledger.merkle import leaf_hash
from ivs.ledger.proof_documents import check_proof_document
from ivs.store.ledger_tables import ledger_entries, ledger_signed_heads

AT = datetime(2025, 3, 1, 12, tzinfo=UTC)


def decisions(count: int, start: int = 0) -> list[Entry]:
    return [
        record_decision(
            at=AT,
            agency="A",
            batch_id="B1",
            request_id=f"R{start + i}",
            outcome="NOT_DISCLOSED",
            code="NO_CANDIDATE",
            rule_set="ab" * 32,
            software_version="0.1.0",
        )
        for i in range(count)
    ]


def stored_bytes(engine: sa.Engine) -> list[bytes]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ledger_entries.c.entry).order_by(ledger_entries.c.entry_index)
        ).all()
    return [bytes(r.entry) for r in rows]


def test_appends_number_entries_in_order_and_the_head_is_their_tree_hash(
    ledger: Ledger, engine: sa.Engine
) -> None:
    assert ledger.append(decisions(3)) == [0, 1, 2]
    assert ledger.append(decisions(40, 3)) == list(range(3, 43))
    assert ledger.append([]) == []
    head = ledger.head()
    data = stored_bytes(engine)
    assert head.size == 43
    assert head.root == root_from_leaf_hashes([leaf_hash(d) for d in data])
    assert [json.loads(d)["i"] for d in data] == list(range(43))
    assert json.loads(data[7])["body"]["request_id"] == "R7"


def test_append_commits_and_rolls_back_with_the_callers_transaction(
    ledger: Ledger, engine: sa.Engine
) -> None:
    ledger.append(decisions(5))
    before = ledger.head()

    def crash_mid_batch() -> None:
        with engine.begin() as conn:
            ledger.append(decisions(20, 5), conn=conn)
            raise RuntimeError("crash before the batch completed")

    with pytest.raises(RuntimeError, match="crash"):
        crash_mid_batch()
    assert ledger.head().size == 5
    assert ledger.head().root == before.root
    with engine.begin() as conn:
        assert ledger.append(decisions(2, 5), conn=conn) == [5, 6]
    assert ledger.head().size == 7
    assert ledger.verify().ok


def test_heads_are_signed_every_interval_and_on_demand(
    ledger: Ledger, engine: sa.Engine, signing_key: Ed25519PrivateKey
) -> None:
    with pytest.raises(NotFound):
        ledger.signed_head()
    ledger.append(decisions(25))
    with engine.connect() as conn:
        sizes = conn.execute(sa.select(ledger_signed_heads.c.tree_size)).scalars().all()
    assert sorted(sizes) == [10, 20]
    at_ten = ledger.signed_head(10)
    verify_tree_head(at_ten, ledger.public_key)
    assert at_ten.head.root == root_from_leaf_hashes(
        [leaf_hash(d) for d in stored_bytes(engine)[:10]]
    )
    latest = ledger.checkpoint()
    assert latest.head.size == 25
    assert latest.head.root == ledger.head().root
    assert ledger.checkpoint() == latest  # nothing appended: the same head, not another
    assert ledger.signed_head() == latest
    # Heads signed with another key are not the agency's: verify says so.
    stranger = Ledger(engine, Ed25519PrivateKey.generate()).verify()
    assert not stranger.ok
    assert "signed head" in str(stranger.problem)
    assert stranger.first_bad_index == 0


def test_verify_reports_an_intact_ledger(ledger: Ledger) -> None:
    empty = ledger.verify()
    assert empty.ok
    assert empty.entries == 0
    ledger.append(decisions(57))
    report = ledger.verify()
    assert report.ok, report.problem
    assert report.entries == 57
    assert report.root == ledger.head().root
    assert report.signed_heads == 5
    assert report.first_bad_index is None


def test_proofs_from_the_store_verify_with_the_pure_functions(ledger: Ledger) -> None:
    ledger.append(decisions(70))
    head = ledger.checkpoint()
    for index in (0, 1, 15, 16, 17, 33, 64, 69):
        proof = ledger.inclusion_proof(index)
        assert proof.tree_size == 70
        assert proof.root == head.head.root
        assert proof.signed_head == head
        verify_inclusion(proof.leaf_hash, index, 70, proof.audit_path, head.head.root)
        assert check_proof_document(proof.to_document(), ledger.public_key)
    older = ledger.inclusion_proof(3, 20)
    assert older.signed_head is not None
    assert older.signed_head.head.size == 20
    verify_inclusion(older.leaf_hash, 3, 20, older.audit_path, older.signed_head.head.root)
    for old in (1, 10, 16, 33, 70):
        proof = ledger.consistency_proof(old)
        verify_consistency(old, 70, proof.old_root, proof.new_root, proof.path)
        check_proof_document(proof.to_document(), ledger.public_key)
    with pytest.raises(NotFound):
        ledger.inclusion_proof(70)
    with pytest.raises(NotFound):
        ledger.consistency_proof(0)


def test_the_store_refuses_updates_and_deletes_of_the_record(
    ledger: Ledger, engine: sa.Engine
) -> None:
    ledger.append(decisions(20))
    for statement in (
        "UPDATE ledger_entries SET kind = 'purge' WHERE entry_index = 3",
        "DELETE FROM ledger_entries WHERE entry_index = 11",
        "DELETE FROM ledger_subtrees",
        "UPDATE ledger_signed_heads SET tree_size = 11",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert ledger.verify().ok


def test_export_writes_one_entry_a_line(ledger: Ledger) -> None:
    ledger.append(decisions(12))
    out = io.StringIO()
    assert ledger.export_jsonl(out) == 12
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["index"] for line in lines] == list(range(12))
    for line in lines:
        assert line["kind"] == "record_decision"
        assert bytes.fromhex(line["leaf_hash"]) == leaf_hash(line["entry"].encode("utf-8"))


def test_a_store_failure_is_a_store_error(ledger: Ledger, engine: sa.Engine) -> None:
    ledger.append(decisions(1))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE ledger_subtrees")
    with pytest.raises(StoreError, match="could not append 40 ledger entries"):
        ledger.append(decisions(40))
