"""Canonical bytes of many ``record_decision`` and ``disclosure`` entries at once, for a
batch's commit.

A 1.28 M-record batch writes 1.28 M decision entries; building an :class:`Entry` for each
costs ~10 µs, this under 1 µs: each column is turned into JSON literals in one pass, and
each entry is one f-string over them. The bytes are exactly those of
:func:`ivs.ledger.entries.record_decision` and :func:`ivs.ledger.entries.disclosure` (property
tests hold them together): keys sorted, no whitespace, strings escaped as
``json.dumps(..., ensure_ascii=False)`` does. :func:`values_digests` is
:func:`ivs.ledger.entries.disclosed_values_digest` for a column of records.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import repeat

from ivs.domain.errors import LedgerError
from ivs.ledger.entries import ENTRY_FORMAT, EntryKind, Officer, canonical_json, instant

__all__ = ["disclosure_bytes", "record_decision_bytes", "values_digests"]

# json.dumps(ensure_ascii=False) escapes exactly these; any other string is quoted as is.
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\\"]')
_SAMPLE = 64


def _quote(value: str | None) -> str:
    if value is None:
        return "null"
    if _NEEDS_ESCAPE.search(value):
        return json.dumps(value, ensure_ascii=False)
    return f'"{value}"'


def _json_strings(values: Sequence[str | None]) -> list[str]:
    """Each value as its JSON literal (a quoted string, or null), in order."""
    # A column of a few distinct values (outcomes, codes, states) is quoted once per value;
    # a sample tells the columns of mostly distinct values (ids, TINs, streets) apart cheaply.
    if len(set(values[:_SAMPLE])) <= _SAMPLE // 4:
        distinct = set(values)
        if len(distinct) <= len(values) // 4:
            literals = {value: _quote(value) for value in distinct}
            return list(map(literals.__getitem__, values))
    # One search over the whole column: escapes are rare, so nearly always none is needed.
    if _NEEDS_ESCAPE.search("".join(filter(None, values))) is None:
        return ["null" if value is None else f'"{value}"' for value in values]
    return [_quote(value) for value in values]


def record_decision_bytes(
    first_index: int,
    *,
    at: datetime,
    agency: str,
    batch_id: str,
    rule_set: str,
    software_version: str,
    request_ids: Sequence[str],
    outcomes: Sequence[str],
    codes: Sequence[str],
    states: Sequence[str | None],
    scores: Sequence[str | None],
    advisories: Sequence[str | None] | None = None,
) -> list[bytes]:
    """The bytes of one decision entry per record, indexed from ``first_index``."""
    # "advisories" sorts first among the body's keys (then "agency"), and is there only where
    # not null.
    opened = f'{{"at":"{instant(at)}","body":{{'
    advised = [
        "" if literal == "null" else f'"advisories":{literal},'
        for literal in _json_strings(advisories or [None] * len(request_ids))
    ]
    head = f'"agency":{_quote(agency)},"batch_id":{_quote(batch_id)},"code":'
    after_code = ',"outcome":'
    after_outcome = ',"request_id":'
    after_request = f',"rule_set":{_quote(rule_set)},"score":'
    after_score = f',"software_version":{_quote(software_version)},"state":'
    after_state = '},"i":'
    tail = f',"kind":"{EntryKind.RECORD_DECISION.value}","v":{ENTRY_FORMAT}}}'
    return [
        f"{opened}{advice}{head}{code}{after_code}{outcome}{after_outcome}{request_id}"
        f"{after_request}{score}{after_score}{state}{after_state}{index}{tail}".encode()
        for advice, code, outcome, request_id, score, state, index in zip(
            advised,
            _json_strings(codes),
            _json_strings(outcomes),
            _json_strings(request_ids),
            _json_strings(scores),
            _json_strings(states),
            range(first_index, first_index + len(request_ids)),
            strict=True,
        )
    ]


def disclosure_bytes(
    first_index: int,
    *,
    at: datetime,
    batch_id: str,
    recipient_agency: str,
    recipients: Sequence[Officer],
    statute: str,
    purpose: str,
    fields: Sequence[str],
    request_ids: Sequence[str],
    tins: Sequence[str],
    values_digests: Sequence[str],
) -> list[bytes]:
    """The bytes of one disclosure entry per record, indexed from ``first_index``."""
    officers = [{"name": r.name, "title": r.title, "office": r.office} for r in recipients]
    head = (
        f'{{"at":"{instant(at)}","body":{{"batch_id":{_quote(batch_id)},'
        f'"fields":{canonical_json(list(fields))},"purpose":{_quote(purpose)},'
        f'"recipient_agency":{_quote(recipient_agency)},'
        f'"recipients":{canonical_json(officers)},"request_id":'
    )
    after_request = f',"statute":{_quote(statute)},"tin":'
    after_tin = ',"values_sha256":'
    after_digest = '},"i":'
    tail = f',"kind":"{EntryKind.DISCLOSURE.value}","v":{ENTRY_FORMAT}}}'
    return [
        f"{head}{request_id}{after_request}{tin}{after_tin}{digest}{after_digest}{index}"
        f"{tail}".encode()
        for request_id, tin, digest, index in zip(
            _json_strings(request_ids),
            _json_strings(tins),
            _json_strings(values_digests),
            range(first_index, first_index + len(request_ids)),
            strict=True,
        )
    ]


def values_digests(values: Mapping[str, Sequence[str | None]]) -> list[str]:
    """:func:`~ivs.ledger.entries.disclosed_values_digest` of each record, given the disclosed
    values as one column per field (all of a length)."""
    if not values:
        raise LedgerError("a disclosure's values digest needs at least one field")
    names = sorted(values)
    if len({len(values[name]) for name in names}) != 1:
        raise LedgerError(f"disclosed values of unequal length: {[len(values[n]) for n in names]}")
    # The canonical JSON object of each record, keys sorted: key and value literals, joined.
    parts: list[Iterable[str]] = []
    for k, name in enumerate(names):
        parts.append(repeat(("{" if k == 0 else ",") + _quote(name) + ":"))
        parts.append(_json_strings(values[name]))
    parts.append(repeat("}"))
    sha256 = hashlib.sha256
    # Not strict: the key columns repeat without end; the value columns are of one length.
    joined = map("".join, zip(*parts, strict=False))
    return [sha256(text.encode()).hexdigest() for text in joined]
