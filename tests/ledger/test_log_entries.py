"""Entries: canonical bytes (format 1), parsing, and what they may hold."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ivs.domain.errors import LedgerError
from ivs.ledger import entries as E  # noqa: N812 - short: every constructor is used

AT = datetime(2025, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)


@dataclass(frozen=True)
class Officer:
    name: str
    title: str
    office: str


def test_canonical_bytes_are_pinned() -> None:
    entry = E.record_decision(
        at=AT,
        agency="A",
        batch_id="B1",
        request_id="R1",
        outcome="DISCLOSED",
        code="MATCHED",
        rule_set="ab",
        software_version="0.1.0",
        state="TX",
        score="0.999812",
    )
    assert entry.to_bytes(7) == (
        b'{"at":"2025-03-01T12:30:05.123Z","body":{"agency":"A","batch_id":"B1",'
        b'"code":"MATCHED",'
        b'"outcome":"DISCLOSED","request_id":"R1","rule_set":"ab","score":"0.999812",'
        b'"software_version":"0.1.0","state":"TX"},"i":7,"kind":"record_decision","v":1}'
    )
    assert E.parse_entry(entry.to_bytes(7)) == (7, entry)


def test_times_are_utc_and_must_be_aware() -> None:
    eastern = AT.astimezone(timezone(timedelta(hours=-5)))
    entry = E.hold_lifted(at=eastern, hold_id="H1", lifted_by="judge", reason="order vacated")
    assert entry.at == "2025-03-01T12:30:05.123Z"
    with pytest.raises(LedgerError, match="no time zone"):
        E.purge(at=datetime(2025, 1, 1), what="x", before="y", items=1, purged_by="z")


def test_non_ascii_text_is_utf8_and_floats_are_refused() -> None:
    entry = E.review_decision(
        at=AT,
        case_id="C1",
        agency="A",
        batch_id="B1",
        request_id="R1",
        reviewer="Núñez",
        decision="disclose",
        reason="señal",
    )
    assert "Núñez".encode() in entry.to_bytes(0)
    with pytest.raises(LedgerError, match="float"):
        E.purge(at=AT, what="x", before="y", items=1.5, purged_by="z")  # type: ignore[arg-type]


def test_a_disclosure_holds_a_digest_of_the_values_not_the_values() -> None:
    values = {"street_address": "12 MAIN ST", "city": "AUSTIN", "zip": "78701"}
    digest = E.disclosed_values_digest(values)
    entry = E.disclosure(
        at=AT,
        batch_id="B1",
        request_id="R1",
        tin="123456789",
        recipient_agency="DHS/ICE",
        recipients=[Officer("A. Officer", "Agent", "ERO Dallas")],
        statute="8 U.S.C. 1253(a)(1)",
        purpose="locate subject of a final order of removal",
        fields=sorted(values),
        values_digest=digest,
    )
    data = entry.to_bytes(3)
    assert b"MAIN ST" not in data
    assert b"AUSTIN" not in data
    body = json.loads(data)["body"]
    assert body["values_sha256"] == digest
    assert body["recipients"] == [{"name": "A. Officer", "title": "Agent", "office": "ERO Dallas"}]
    assert digest != E.disclosed_values_digest({**values, "zip": "78702"})


def test_every_kind_has_a_constructor_that_round_trips() -> None:
    officers = [Officer("N", "T", "O")]
    made = [
        E.batch_received(
            at=AT,
            batch_id="B",
            manifest_digest="d",
            signer_key_id="k",
            requesting_agency="DHS",
            statute="s",
            tax_periods=["2023"],
            record_count=2,
            recipients=officers,
        ),
        E.batch_refused(at=AT, batch_id=None, manifest_digest="d", problems=["bad"]),
        E.batch_quarantined(at=AT, agency="A", batch_id="B", manifest_digest="d", reason="r"),
        E.record_decision(
            at=AT, agency="A", batch_id="B", request_id="R", outcome="o", code="c", rule_set="r",
            software_version="v",
        ),
        E.disclosure(
            at=AT, batch_id="B", request_id="R", tin="1", recipient_agency="a",
            recipients=officers, statute="s", purpose="p", fields=["zip"], values_digest="d",
        ),
        E.duplicate_submission(
            at=AT, agency="A", batch_id="B", manifest_digest="d", first_received_at="t"
        ),
        E.review_decision(
            at=AT, case_id="C", agency="A", batch_id="B", request_id="R", reviewer="r",
            decision="d", reason="r",
        ),
        E.hold_placed(at=AT, hold_id="H", scope="tin:1", authority="a", placed_by="p", reason="r"),
        E.hold_lifted(at=AT, hold_id="H", lifted_by="l", reason="r"),
        E.pilot_changed(
            at=AT, action="enable", state="TX", zip3=None, effective="2025-01-01", changed_by="c"
        ),
        E.signers_changed(at=AT, roster_digest="d", added=["k"], removed=[], changed_by="c"),
        E.response_released(at=AT, agency="A", batch_id="B", response_sha256="d", record_count=2),
        E.purge(at=AT, what="w", before="b", items=1, purged_by="p"),
        E.batch_completed(
            at=AT, agency="A", batch_id="B", records=2, outcomes={"DISCLOSED": 1},
            codes={"MATCHED": 1}, rule_set="r", counterfactual={"disclosed": 2},
        ),
        E.response_fetched(at=AT, batch_id="B", user="u", agency="DHS"),
        E.recall_issued(
            at=AT, notice_id="N", recipient_agency="DHS", scope="hold:H", order="o",
            disclosure_entries=[3], certify_by="2025-04-01", issued_by="i",
        ),
        E.incident_reported(
            at=AT, incident_id="I", notice_id="N", unauthorized_disclosures=1,
            report_sha256="d", reported_by="r",
        ),
        E.destruction_certified(at=AT, notice_id="N", certified_by="c", certified_on="2025-04-01"),
        E.agency_safeguards_changed(
            at=AT, agency="DHS", open_findings=1, corrective_plan_dated=None, cleared=False,
            changed_by="c", note="n",
        ),
        E.user_changed(at=AT, user="u", action="add", role="reviewer", agency=None, changed_by="c"),
        E.response_released(
            at=AT, agency="A", batch_id="B", response_sha256="d", record_count=2,
            delivery={"form": "package", "number": 0, "ciphertext_sha256": "c",
                      "recipients": [{"name": "n", "office": "o", "fingerprint": "f"}]},
        ),
        E.response_fetched(at=AT, batch_id="B", user="u", agency="DHS", package_sha256="p"),
        E.response_withheld(at=AT, agency="A", batch_id="B", reason="no recipient key"),
        E.recipient_keys_changed(
            at=AT, action="import", agency="DHS", changed_by="c",
            keys=[{"fingerprint": "f", "name": "n", "office": "o", "valid_from": "2025-01-01",
                   "valid_until": None}],
        ),
    ]  # fmt: skip
    assert {entry.kind for entry in made} == set(E.EntryKind)
    for index, entry in enumerate(made):
        assert E.parse_entry(entry.to_bytes(index)) == (index, entry)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff", "UTF-8"),
        (b"[]", "exactly v, i, kind, at and body"),
        (b'{"at":"t","body":{},"i":0,"kind":"purge","v":2}', "format 2"),
        (b'{"at":"t","body":{},"i":-1,"kind":"purge","v":1}', "non-negative"),
        (b'{"at":"t","body":{"x":1.5},"i":0,"kind":"purge","v":1}', "no floats"),
        (b'{"at":"t","body":{"x":NaN},"i":0,"kind":"purge","v":1}', "no floats"),
        (b'{"at":"t","body":{},"i":0,"kind":"nope","v":1}', "not valid"),
        (b'{"at":"t","body":[],"i":0,"kind":"purge","v":1}', "not an object"),
        (b'{"v":1,"at":"t","body":{},"i":0,"kind":"purge"}', "canonical"),
    ],
)
def test_parse_refuses_what_is_not_a_canonical_entry(data: bytes, message: str) -> None:
    with pytest.raises(LedgerError, match=message):
        E.parse_entry(data)


def test_entry_header_reads_index_and_kind_of_real_entries() -> None:
    entry = E.hold_lifted(at=AT, hold_id="H1", lifted_by="judge", reason="vacated")
    assert E.entry_header(entry.to_bytes(42)) == (42, "hold_lifted")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff", "UTF-8"),
        (b'{"at":"2025-03-01T12:30:05.123Z","body":{},"i":1,"kind":"nope","v":1}', "kind"),
        (b'{"at":"t","body":{},"i":-1,"kind":"purge","v":1}', "non-negative"),
        (b'{"at":"t","body":{},"i":0,"kind":"purge","v":2}', "format 2"),
    ],
)
def test_entry_header_refuses_what_is_not_an_entry(data: bytes, message: str) -> None:
    with pytest.raises(LedgerError, match=message):
        E.entry_header(data)
