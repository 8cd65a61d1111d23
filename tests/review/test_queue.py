"""The review queue: enqueue once, decide once with a reason, release only what is new."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from tests.recipients import opened_response

from ivs.domain.errors import Conflict, NotFound
from ivs.domain.settings import load_settings
from ivs.ledger.keys import open_ledger
from ivs.review import (
    ReasonRequired,
    ReviewCase,
    ReviewDecision,
    decide_case,
    enqueue_reviews,
    get_case,
    list_cases,
    release_batch,
)
from ivs.review.accounting import ReviewAccounting

from .conftest import Ran

NOW = datetime(2025, 7, 1, tzinfo=UTC)
REVIEW_IDS = ["R1", "R2", "R4", "R5"]


def case_of(store: sa.Engine, request_id: str) -> ReviewCase:
    return next(c for c in list_cases(store) if c.request_id == request_id)


def decide(store: sa.Engine, request_id: str, *, approve: bool, reason: str = "checked") -> None:
    decide_case(
        store,
        case_of(store, request_id).case_id,
        approve=approve,
        reason=reason,
        decided_by="officer",
        now=NOW,
    )


def test_review_records_are_enqueued_once(reviewed: Ran, store: sa.Engine) -> None:
    cases = list_cases(store, batch_id=reviewed.result.batch_id)
    assert [c.request_id for c in cases] == REVIEW_IDS
    assert {c.status for c in cases} == {"open"}
    assert cases[0].tin == "123456789"
    assert enqueue_reviews(store, reviewed.result.key, reviewed.result.decisions) == 0
    assert len(list_cases(store)) == 4
    assert list_cases(store, batch_id="OTHER") == []


def test_nothing_is_enqueued_when_nothing_is_in_the_band(ran: Ran) -> None:
    from ivs.store import open_store

    engine = open_store(ran.settings)
    assert enqueue_reviews(engine, ran.result.key, ran.result.decisions) == 0


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_decision_needs_a_reason(store: sa.Engine, reason: str) -> None:
    with pytest.raises(ReasonRequired, match="needs a reason"):
        decide(store, "R1", approve=True, reason=reason)
    assert case_of(store, "R1").status == "open"


def test_a_case_is_decided_once(store: sa.Engine) -> None:
    decide(store, "R1", approve=False, reason="address too old to rely on")
    case = case_of(store, "R1")
    assert (case.status, case.decided_by, case.reason) == (
        "refused",
        "officer",
        "address too old to rely on",
    )
    with pytest.raises(Conflict, match="already refused"):
        decide(store, "R1", approve=True)
    assert case_of(store, "R1").status == "refused"


def test_unknown_case(store: sa.Engine) -> None:
    with pytest.raises(NotFound):
        get_case(store, 999)


def test_approval_needs_the_record_still_in_review(reviewed: Ran, store: sa.Engine) -> None:
    # The recorded decision no longer says REVIEW (e.g. decisions redone with a restriction).
    table = pq.read_table(reviewed.result.decisions)
    code = table.column("decision_code")
    changed = pc.if_else(pc.equal(table.column("request_id"), "R2"), pa.scalar("RESTRICTED"), code)
    index = table.schema.get_field_index("decision_code")
    pq.write_table(table.set_column(index, "decision_code", changed), reviewed.result.decisions)
    with pytest.raises(Conflict, match="now RESTRICTED"):
        decide(store, "R2", approve=True)
    decide(store, "R2", approve=False)
    assert case_of(store, "R2").status == "refused"


class RecordingLedger:
    def __init__(self, fail: bool = False) -> None:
        self.entries: list[ReviewDecision] = []
        self.fail = fail

    def append_review_decision(self, conn: sa.Connection, decision: ReviewDecision) -> None:
        assert conn.in_transaction()
        self.entries.append(decision)
        if self.fail:
            raise RuntimeError("ledger unavailable")


def test_the_ledger_gets_the_decision_in_the_same_transaction(store: sa.Engine) -> None:
    ledger = RecordingLedger()
    case_id = case_of(store, "R4").case_id
    decision = decide_case(
        store, case_id, approve=True, reason="DOB on file", decided_by="a", now=NOW, ledger=ledger
    )
    assert ledger.entries == [decision]
    assert (decision.outcome, decision.tin, decision.request_id) == ("DISCLOSED", "345678912", "R4")

    failing = RecordingLedger(fail=True)
    other = case_of(store, "R5").case_id
    with pytest.raises(RuntimeError):
        decide_case(store, other, approve=True, reason="x", decided_by="a", now=NOW, ledger=failing)
    # Not on the ledger, so not decided.
    assert get_case(store, other).status == "open"


def test_release_writes_only_newly_decided_cases(reviewed: Ran, store: sa.Engine) -> None:
    batch_id = reviewed.result.batch_id
    out = reviewed.out / "supplements"
    accounting = ReviewAccounting(open_ledger(load_settings()))
    release = lambda: release_batch(  # noqa: E731 - the same call three times
        store,
        reviewed.result.key,
        out,
        index=reviewed.index,
        released_by="officer",
        now=NOW,
        ledger=accounting,
    )
    with pytest.raises(Conflict, match="no review decisions"):
        release()
    decide(store, "R1", approve=True)
    decide(store, "R2", approve=False)
    first = release()
    assert first.number == 1
    assert first.path == out / f"{batch_id}.supplement-1.package.zip"
    assert (first.disclosed, first.not_disclosed) == (1, 1)
    rows = opened_response(first.path, reviewed.out / "opened").to_pylist()
    assert [(r["request_id"], r["outcome"]) for r in rows] == [
        ("R1", "DISCLOSED"),
        ("R2", "NOT_DISCLOSED"),
    ]
    # The last known address (2023 return), not the one the request gave.
    assert (rows[0]["street_address"], rows[0]["unit"], rows[0]["zip"]) == (
        "55 ELM AVE",
        None,
        "77004",
    )
    assert all(rows[1][k] is None for k in ("street_address", "city", "state", "zip"))
    assert all(r["rejection_reason"] is None for r in rows)
    assert case_of(store, "R1").release_number == 1

    with pytest.raises(Conflict, match="no review decisions to release since"):
        release()
    decide(store, "R5", approve=True)
    second = release()
    assert second.number == 2
    rows = opened_response(second.path, reviewed.out / "opened").to_pylist()
    assert [(r["request_id"], r["outcome"], r["street_address"]) for r in rows] == [
        ("R5", "DISCLOSED", "88 PINE ST")
    ]
    assert first.path.is_file()  # the earlier supplement is left as sent


def test_release_fails_without_the_batch_index(reviewed: Ran, store: sa.Engine) -> None:
    decide(store, "R1", approve=True)
    empty = reviewed.out / "empty-index"
    empty.mkdir()
    pq.write_table(
        pa.table(
            {
                c: pa.array([], pa.string())
                for c in ("tin", "street_address", "unit", "city", "state", "zip")
            }
        ),
        empty / "last_known.parquet",
    )
    with pytest.raises(NotFound, match="no last known address"):
        release_batch(
            store,
            reviewed.result.key,
            reviewed.out,
            index=empty,
            released_by="o",
            now=NOW,
            ledger=ReviewAccounting(open_ledger(load_settings())),
        )
    # Nothing recorded, so the case is still waiting for release.
    assert case_of(store, "R1").release_number is None
