"""The bulk encoder writes exactly the bytes of the one-entry constructor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ivs.ledger.entries import disclosure, parse_entry, record_decision
from ivs.ledger.entry_columns import disclosure_bytes, record_decision_bytes

AT = datetime(2025, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)
text = st.text(max_size=12)
maybe = st.none() | text


@settings(deadline=None)  # timing varies with machine load; the property does not
@given(
    first=st.integers(0, 2**40),
    batch_id=text,
    rule_set=text,
    rows=st.lists(st.tuples(text, text, text, maybe, maybe, maybe), max_size=20),
)
def test_bulk_bytes_equal_the_constructors(
    first: int,
    batch_id: str,
    rule_set: str,
    rows: list[tuple[str, str, str, str | None, str | None, str | None]],
) -> None:
    encoded = record_decision_bytes(
        first,
        at=AT,
        agency="A",
        batch_id=batch_id,
        rule_set=rule_set,
        software_version="0.1.0",
        request_ids=[r[0] for r in rows],
        outcomes=[r[1] for r in rows],
        codes=[r[2] for r in rows],
        states=[r[3] for r in rows],
        scores=[r[4] for r in rows],
        advisories=[r[5] for r in rows],
    )
    for offset, (data, (request_id, outcome, code, state, score, advice)) in enumerate(
        zip(encoded, rows, strict=True)
    ):
        expected = record_decision(
            at=AT,
            agency="A",
            batch_id=batch_id,
            request_id=request_id,
            outcome=outcome,
            code=code,
            rule_set=rule_set,
            software_version="0.1.0",
            state=state,
            score=score,
            advisories=advice,
        )
        assert data == expected.to_bytes(first + offset)
        assert parse_entry(data) == (first + offset, expected)


def test_escapes_quotes_backslashes_and_control_characters() -> None:
    (data,) = record_decision_bytes(
        0,
        at=AT,
        agency="A",
        batch_id="B",
        rule_set="r",
        software_version="v",
        request_ids=['R"1\\\n\x00é'],
        outcomes=["DISCLOSED"],
        codes=["MATCHED"],
        states=[None],
        scores=["0.999000"],
    )
    assert b'"request_id":"R\\"1\\\\\\n\\u0000\xc3\xa9"' in data
    assert parse_entry(data)[1].body["request_id"] == 'R"1\\\n\x00é'


@dataclass(frozen=True)
class Officer:
    name: str
    title: str
    office: str


@settings(deadline=None)
@given(
    first=st.integers(0, 2**40),
    texts=st.lists(text, min_size=4, max_size=4),
    officers=st.lists(st.tuples(text, text, text), max_size=3),
    rows=st.lists(st.tuples(text, text, text), max_size=10),
)
def test_bulk_disclosures_equal_the_constructors(
    first: int,
    texts: list[str],
    officers: list[tuple[str, str, str]],
    rows: list[tuple[str, str, str]],
) -> None:
    batch_id, agency, statute, purpose = texts
    recipients = [Officer(*o) for o in officers]
    fields = ["street_address", "unit", "city", "state", "zip"]
    encoded = disclosure_bytes(
        first,
        at=AT,
        batch_id=batch_id,
        recipient_agency=agency,
        recipients=recipients,
        statute=statute,
        purpose=purpose,
        fields=fields,
        request_ids=[r[0] for r in rows],
        tins=[r[1] for r in rows],
        values_digests=[r[2] for r in rows],
    )
    for offset, (data, (request_id, tin, digest)) in enumerate(zip(encoded, rows, strict=True)):
        expected = disclosure(
            at=AT,
            batch_id=batch_id,
            request_id=request_id,
            tin=tin,
            recipient_agency=agency,
            recipients=recipients,
            statute=statute,
            purpose=purpose,
            fields=fields,
            values_digest=digest,
        )
        assert data == expected.to_bytes(first + offset)
