"""Hypothesis on both stores: append-then-verify; stored proofs check with the pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivs.ledger import verify_consistency, verify_inclusion, verify_tree_head
from ivs.ledger.entries import Entry, hold_placed, record_decision
from ivs.ledger.log import Ledger

AT = datetime(2025, 3, 1, tzinfo=UTC)
text = st.text(min_size=0, max_size=12)

entry_strategy = st.one_of(
    st.builds(
        lambda r, o: record_decision(
            at=AT,
            agency="A",
            batch_id="B",
            request_id=r,
            outcome=o,
            code="X",
            rule_set="r",
            software_version="v",
        ),
        text,
        st.sampled_from(["DISCLOSED", "NOT_DISCLOSED", "REJECTED"]),
    ),
    st.builds(
        lambda h, s: hold_placed(
            at=AT, hold_id=h, scope=s, authority="court", placed_by="clerk", reason="order"
        ),
        text,
        text,
    ),
)

_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_SETTINGS
@given(batches=st.lists(st.lists(entry_strategy, max_size=40), min_size=1, max_size=4))
def test_append_then_verify(ledger: Ledger, batches: list[list[Entry]]) -> None:
    # The fixture's ledger persists across examples: each example appends to a longer log.
    for batch in batches:
        before = ledger.head().size
        assert ledger.append(batch) == list(range(before, before + len(batch)))
    report = ledger.verify()
    assert report.ok, report.problem
    assert report.entries == ledger.head().size
    assert report.root == ledger.head().root


@_SETTINGS
@given(
    count=st.integers(1, 60),
    picks=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=5),
)
def test_stored_proofs_verify_with_the_pure_functions(
    ledger: Ledger, count: int, picks: list[tuple[float, float]]
) -> None:
    ledger.append([hold_placed(at=AT, hold_id=str(i), scope="s", authority="a", placed_by="p",
                               reason="r") for i in range(count)])  # fmt: skip
    signed = ledger.checkpoint()
    verify_tree_head(signed, ledger.public_key)
    size = signed.head.size
    for a, b in picks:
        index = min(int(a * size), size - 1)
        proof = ledger.inclusion_proof(index)
        verify_inclusion(proof.leaf_hash, index, size, proof.audit_path, signed.head.root)
        old = max(1, min(int(b * size), size))
        consistency = ledger.consistency_proof(old)
        old_root = ledger.inclusion_proof(0, old).root
        verify_consistency(old, size, old_root, signed.head.root, consistency.path)
