"""Ledger entries: what each accounting record says, and its canonical bytes (format 1).

One entry is one JSON object, UTF-8, keys sorted, no whitespace, no floats::

    {"at":"2025-03-01T12:00:00.000Z","body":{...},"i":42,"kind":"disclosure","v":1}

``v`` is the format version, ``i`` the entry's index in the log (written in at append time,
so an entry moved to another position no longer hashes as the entry of that position),
``kind`` one of :class:`EntryKind`, ``at`` the UTC instant the event happened, to the
millisecond, and ``body`` the kind's fields as built by the constructors below. The leaf
hash of the Merkle tree is taken over exactly these bytes.

Bodies hold no more taxpayer data than the accounting of 26 U.S.C. 6103(p)(3)(A) needs: a
decision names its request and outcome only; a disclosure names the taxpayer (TIN), who
received what under which statute, and a SHA-256 digest of the disclosed values rather
than the values themselves.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from ivs.domain.errors import LedgerError

__all__ = [
    "ENTRY_FORMAT",
    "Entry",
    "EntryKind",
    "JsonValue",
    "Officer",
    "agency_safeguards_changed",
    "batch_completed",
    "batch_quarantined",
    "batch_received",
    "batch_refused",
    "canonical_json",
    "destruction_certified",
    "disclosed_values_digest",
    "disclosure",
    "duplicate_submission",
    "entry_header",
    "hold_lifted",
    "hold_placed",
    "incident_reported",
    "instant",
    "parse_entry",
    "pilot_changed",
    "purge",
    "recall_issued",
    "recipient_keys_changed",
    "record_decision",
    "response_fetched",
    "response_released",
    "response_withheld",
    "review_decision",
    "signers_changed",
    "user_changed",
]

ENTRY_FORMAT = 1

JsonValue = str | int | bool | None | Sequence["JsonValue"] | Mapping[str, "JsonValue"]


class EntryKind(StrEnum):
    BATCH_RECEIVED = "batch_received"
    BATCH_REFUSED = "batch_refused"
    BATCH_QUARANTINED = "batch_quarantined"
    RECORD_DECISION = "record_decision"
    DISCLOSURE = "disclosure"
    DUPLICATE_SUBMISSION = "duplicate_submission"
    REVIEW_DECISION = "review_decision"
    HOLD_PLACED = "hold_placed"
    HOLD_LIFTED = "hold_lifted"
    PILOT_CHANGED = "pilot_changed"
    SIGNERS_CHANGED = "signers_changed"
    RESPONSE_RELEASED = "response_released"
    RESPONSE_FETCHED = "response_fetched"
    PURGE = "purge"
    BATCH_COMPLETED = "batch_completed"
    RECALL_ISSUED = "recall_issued"
    INCIDENT_REPORTED = "incident_reported"
    DESTRUCTION_CERTIFIED = "destruction_certified"
    AGENCY_SAFEGUARDS_CHANGED = "agency_safeguards_changed"
    USER_CHANGED = "user_changed"
    RECIPIENT_KEYS_CHANGED = "recipient_keys_changed"
    RESPONSE_WITHHELD = "response_withheld"


class Officer(Protocol):
    """A named recipient of returns information (the manifest's ``Recipient`` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def office(self) -> str: ...


def instant(at: datetime) -> str:
    """``at`` as the entries' UTC millisecond timestamp; refuses a naive time."""
    if at.tzinfo is None:
        raise LedgerError(
            f"ledger entry time {at.isoformat()} has no time zone: the record would be "
            "ambiguous. Pass an aware datetime (UTC)."
        )
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _check_json(value: object, where: str) -> None:
    # Floats have no single canonical JSON spelling, so they are kept out of the record.
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise LedgerError(f"ledger entry field {where} has a non-text key {key!r}")
            _check_json(item, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for position, item in enumerate(value):
            _check_json(item, f"{where}[{position}]")
        return
    raise LedgerError(
        f"ledger entry field {where} is a {type(value).__name__}; entries hold only text, "
        "integers, booleans, null, lists and objects so that their bytes are canonical."
    )


def canonical_json(value: object) -> str:
    """``value`` as the ledger writes JSON: keys sorted, no whitespace, UTF-8 unescaped."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _canonical(document: Mapping[str, object]) -> bytes:
    return canonical_json(document).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Entry:
    """One accounting record before it has a place in the log."""

    kind: EntryKind
    at: str
    body: Mapping[str, JsonValue]

    def to_bytes(self, index: int) -> bytes:
        """The canonical bytes of this entry as entry ``index`` of the log."""
        return _canonical(
            {
                "v": ENTRY_FORMAT,
                "i": index,
                "kind": self.kind.value,
                "at": self.at,
                "body": self.body,
            }
        )


def _entry(kind: EntryKind, at: datetime, body: Mapping[str, JsonValue]) -> Entry:
    _check_json(body, kind.value)
    return Entry(kind, instant(at), body)


def _no_float(text: str) -> None:
    raise LedgerError(f"entry holds the number {text}; entries hold no floats")


# One decoder for every entry (json.loads with hooks would build one a call).
_DECODER = json.JSONDecoder(parse_float=_no_float, parse_constant=_no_float)


def entry_header(data: bytes) -> tuple[int, str]:
    """The index and kind ``data`` declares, for a full audit of millions of entries.

    Checks the canonical envelope ``{"at":"…","body":{…},"i":N,"kind":"K","v":1}`` around
    the body without decoding it: the stored leaf and subtree hashes and the signed heads pin
    every byte, so decoding adds nothing to tamper evidence there (:func:`parse_entry` does
    the full check). Bytes that do not fit the envelope are decoded to say what is wrong.
    """
    envelope = _ENVELOPE.match(data)
    if envelope is not None and envelope.group(2).decode() in _KINDS:
        return int(envelope.group(1)), envelope.group(2).decode()
    try:
        document = _DECODER.decode(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise LedgerError(f"entry bytes are not UTF-8 JSON ({e})") from e
    if not isinstance(document, dict) or document.keys() != _ENTRY_KEYS:
        raise LedgerError("entry is not an object with exactly v, i, kind, at and body")
    if document["v"] != ENTRY_FORMAT:
        raise LedgerError(
            f"entry format {document['v']!r} is not known here (this reads {ENTRY_FORMAT})"
        )
    index, kind = document["i"], document["kind"]
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise LedgerError(f"entry index {index!r} is not a non-negative integer")
    if kind not in _KINDS:
        raise LedgerError(f"entry kind {kind!r} is not valid")
    return index, str(kind)


_ENTRY_KEYS = {"v", "i", "kind", "at", "body"}
_ENVELOPE = re.compile(
    rb'\{"at":"[0-9TZ:.-]{24}","body":\{.*\},"i":(0|[1-9][0-9]*),"kind":"([a-z_]+)","v":'
    + str(ENTRY_FORMAT).encode()
    + rb"\}\Z",
    re.DOTALL,
)
_KINDS = frozenset(k.value for k in EntryKind)


def parse_entry(data: bytes) -> tuple[int, Entry]:
    """The index and entry that ``data`` encodes; raises unless ``data`` is canonical."""
    try:
        document = json.loads(data.decode("utf-8"), parse_float=_no_float, parse_constant=_no_float)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise LedgerError(f"entry bytes are not UTF-8 JSON ({e})") from e
    if not isinstance(document, dict) or set(document) != {"v", "i", "kind", "at", "body"}:
        raise LedgerError("entry is not an object with exactly v, i, kind, at and body")
    if document["v"] != ENTRY_FORMAT:
        raise LedgerError(
            f"entry format {document['v']!r} is not known here (this reads {ENTRY_FORMAT})"
        )
    index, kind, at, body = document["i"], document["kind"], document["at"], document["body"]
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise LedgerError(f"entry index {index!r} is not a non-negative integer")
    if kind not in EntryKind.__members__.values() or not isinstance(at, str):
        raise LedgerError(f"entry kind {kind!r} or time {at!r} is not valid")
    if not isinstance(body, dict):
        raise LedgerError("entry body is not an object")
    # Every JSON value but a float (refused while parsing) is an entry value.
    entry = Entry(EntryKind(kind), at, body)
    if entry.to_bytes(index) != data:
        raise LedgerError("entry bytes are valid JSON but not in canonical form")
    return index, entry


def disclosed_values_digest(values: Mapping[str, str | None]) -> str:
    """SHA-256 (hex) of the disclosed fields' values, canonically encoded.

    Lets the record prove what was sent, by recomputing from the response file, without
    holding the address itself.
    """
    return hashlib.sha256(_canonical(dict(values))).hexdigest()


def _officers(recipients: Sequence[Officer]) -> list[JsonValue]:
    return [{"name": r.name, "title": r.title, "office": r.office} for r in recipients]


def batch_received(
    *,
    at: datetime,
    batch_id: str,
    manifest_digest: str,
    signer_key_id: str,
    requesting_agency: str,
    statute: str,
    tax_periods: Sequence[str],
    record_count: int,
    recipients: Sequence[Officer],
    purpose: str = "",
) -> Entry:
    """A signed request batch was received (the request, 6103(p)(3)(A)), with the purpose
    it states (the manifest's ``purpose``)."""
    return _entry(
        EntryKind.BATCH_RECEIVED,
        at,
        {
            "batch_id": batch_id,
            "manifest_digest": manifest_digest,
            "signer_key_id": signer_key_id,
            "requesting_agency": requesting_agency,
            "statute": statute,
            "tax_periods": list(tax_periods),
            "record_count": record_count,
            "recipients": _officers(recipients),
            "purpose": purpose,
        },
    )


def batch_refused(
    *,
    at: datetime,
    batch_id: str | None,
    manifest_digest: str,
    problems: Sequence[str],
    agency: str | None = None,
) -> Entry:
    """A batch failed as a whole; nothing was disclosed. ``agency`` is the requesting agency
    where the refusal knows it (a key only then, as ``batch_id`` names a batch only with it)."""
    known: dict[str, JsonValue] = {} if agency is None else {"agency": agency}
    return _entry(
        EntryKind.BATCH_REFUSED,
        at,
        {
            **known,
            "batch_id": batch_id,
            "manifest_digest": manifest_digest,
            "problems": list(problems),
        },
    )


def batch_quarantined(
    *, at: datetime, agency: str, batch_id: str, manifest_digest: str, reason: str
) -> Entry:
    """A batch is held for legal review; nothing was disclosed."""
    return _entry(
        EntryKind.BATCH_QUARANTINED,
        at,
        {
            "agency": agency,
            "batch_id": batch_id,
            "manifest_digest": manifest_digest,
            "reason": reason,
        },
    )


def record_decision(
    *,
    at: datetime,
    agency: str,
    batch_id: str,
    request_id: str,
    outcome: str,
    code: str,
    rule_set: str,
    software_version: str,
    state: str | None = None,
    score: str | None = None,
    advisories: str | None = None,
) -> Entry:
    """The decision on one request record (no taxpayer data: that is in ``disclosure``).

    ``state`` is the request's (not the taxpayer's) state, for reports by jurisdiction;
    ``score`` the best candidate's match probability as a decimal string (six places), or
    null where no candidate was scored; ``advisories`` the optional fields of the request set
    aside as unusable (';'-joined codes, formats.md §3), a key only on records that have any,
    so the entries of every other record read as they always have.
    """
    extra: dict[str, JsonValue] = {} if advisories is None else {"advisories": advisories}
    return _entry(
        EntryKind.RECORD_DECISION,
        at,
        {
            **extra,
            "agency": agency,
            "batch_id": batch_id,
            "request_id": request_id,
            "outcome": outcome,
            "code": code,
            "rule_set": rule_set,
            "software_version": software_version,
            "state": state,
            "score": score,
        },
    )


def disclosure(
    *,
    at: datetime,
    batch_id: str,
    request_id: str,
    tin: str,
    recipient_agency: str,
    recipients: Sequence[Officer],
    statute: str,
    purpose: str,
    fields: Sequence[str],
    values_digest: str,
) -> Entry:
    """Returns information about one taxpayer was disclosed (the accounting proper)."""
    return _entry(
        EntryKind.DISCLOSURE,
        at,
        {
            "batch_id": batch_id,
            "request_id": request_id,
            "tin": tin,
            "recipient_agency": recipient_agency,
            "recipients": _officers(recipients),
            "statute": statute,
            "purpose": purpose,
            "fields": list(fields),
            "values_sha256": values_digest,
        },
    )


def duplicate_submission(
    *, at: datetime, agency: str, batch_id: str, manifest_digest: str, first_received_at: str
) -> Entry:
    """An already-answered batch was submitted again and answered from the record."""
    return _entry(
        EntryKind.DUPLICATE_SUBMISSION,
        at,
        {
            "agency": agency,
            "batch_id": batch_id,
            "manifest_digest": manifest_digest,
            "first_received_at": first_received_at,
        },
    )


def review_decision(
    *,
    at: datetime,
    case_id: str,
    agency: str,
    batch_id: str,
    request_id: str,
    reviewer: str,
    decision: str,
    reason: str,
) -> Entry:
    """A reviewer decided a case from the review queue."""
    return _entry(
        EntryKind.REVIEW_DECISION,
        at,
        {
            "case_id": case_id,
            "agency": agency,
            "batch_id": batch_id,
            "request_id": request_id,
            "reviewer": reviewer,
            "decision": decision,
            "reason": reason,
        },
    )


def hold_placed(
    *, at: datetime, hold_id: str, scope: str, authority: str, placed_by: str, reason: str
) -> Entry:
    """A legal hold now stops disclosures in ``scope`` (a TIN, a batch, a jurisdiction)."""
    return _entry(
        EntryKind.HOLD_PLACED,
        at,
        {
            "hold_id": hold_id,
            "scope": scope,
            "authority": authority,
            "placed_by": placed_by,
            "reason": reason,
        },
    )


def hold_lifted(*, at: datetime, hold_id: str, lifted_by: str, reason: str) -> Entry:
    return _entry(
        EntryKind.HOLD_LIFTED,
        at,
        {"hold_id": hold_id, "lifted_by": lifted_by, "reason": reason},
    )


def pilot_changed(
    *, at: datetime, action: str, state: str, zip3: str | None, effective: str, changed_by: str
) -> Entry:
    return _entry(
        EntryKind.PILOT_CHANGED,
        at,
        {
            "action": action,
            "state": state,
            "zip3": zip3,
            "effective": effective,
            "changed_by": changed_by,
        },
    )


def signers_changed(
    *,
    at: datetime,
    roster_digest: str,
    added: Sequence[str],
    removed: Sequence[str],
    changed_by: str,
) -> Entry:
    """The roster of officers whose keys may sign batches changed (key ids)."""
    return _entry(
        EntryKind.SIGNERS_CHANGED,
        at,
        {
            "roster_digest": roster_digest,
            "added": list(added),
            "removed": list(removed),
            "changed_by": changed_by,
        },
    )


def response_released(
    *,
    at: datetime,
    agency: str,
    batch_id: str,
    response_sha256: str,
    record_count: int,
    delivery: Mapping[str, JsonValue] | None = None,
) -> Entry:
    """A response left the agency; its digest pins which bytes.

    ``delivery`` says how: ``{"form": "package", "number", "ciphertext_sha256", "recipients":
    [{"name", "office", "fingerprint"}]}`` for a response package (number 0 the batch's
    response, N its N-th supplement), or ``{"form": "plaintext", "number", "operator"}`` for a
    plaintext file written by the operator's explicit choice. Entries written before packages
    existed have none."""
    body: dict[str, JsonValue] = {
        "agency": agency,
        "batch_id": batch_id,
        "response_sha256": response_sha256,
        "record_count": record_count,
    }
    if delivery is not None:
        body["delivery"] = dict(delivery)
    return _entry(EntryKind.RESPONSE_RELEASED, at, body)


def response_withheld(*, at: datetime, agency: str, batch_id: str, reason: str) -> Entry:
    """A batch's decisions are on the record, but its response cannot be released yet (no
    recipient of it has a valid public key): nothing was sent, in plaintext or otherwise."""
    return _entry(
        EntryKind.RESPONSE_WITHHELD,
        at,
        {"agency": agency, "batch_id": batch_id, "reason": reason},
    )


def recipient_keys_changed(
    *,
    at: datetime,
    action: str,
    agency: str,
    keys: Sequence[Mapping[str, JsonValue]],
    changed_by: str,
    reason: str | None = None,
) -> Entry:
    """Recipients' public keys were registered (``action`` "import") or revoked ("revoke"):
    each key's fingerprint, name, office and validity, never more."""
    return _entry(
        EntryKind.RECIPIENT_KEYS_CHANGED,
        at,
        {
            "action": action,
            "agency": agency,
            "keys": [dict(k) for k in keys],
            "changed_by": changed_by,
            "reason": reason,
        },
    )


def purge(*, at: datetime, what: str, before: str, items: int, purged_by: str) -> Entry:
    """Working data past retention was destroyed (the ledger itself is never purged)."""
    return _entry(
        EntryKind.PURGE,
        at,
        {"what": what, "before": before, "items": items, "purged_by": purged_by},
    )


def batch_completed(
    *,
    at: datetime,
    agency: str,
    batch_id: str,
    records: int,
    outcomes: Mapping[str, int],
    codes: Mapping[str, int],
    rule_set: str,
    counterfactual: Mapping[str, int],
) -> Entry:
    """Every record of a batch is decided; totals, and what the 2025 TIN-only rule would have
    done with the same batch (``disclosed``, ``on_rejected_requests``, ``not_lawful``,
    ``wrong_person`` where known), so reports need nothing outside the ledger."""
    return _entry(
        EntryKind.BATCH_COMPLETED,
        at,
        {
            "agency": agency,
            "batch_id": batch_id,
            "records": records,
            "outcomes": dict(outcomes),
            "codes": dict(codes),
            "rule_set": rule_set,
            "counterfactual": dict(counterfactual),
        },
    )


def response_fetched(
    *, at: datetime, batch_id: str, user: str, agency: str, package_sha256: str | None = None
) -> Entry:
    """A requester downloaded a released response (``package_sha256``: the package's bytes)."""
    body: dict[str, JsonValue] = {"batch_id": batch_id, "user": user, "agency": agency}
    if package_sha256 is not None:
        body["package_sha256"] = package_sha256
    return _entry(EntryKind.RESPONSE_FETCHED, at, body)


def recall_issued(
    *,
    at: datetime,
    notice_id: str,
    recipient_agency: str,
    scope: str,
    order: str,
    disclosure_entries: Sequence[int],
    certify_by: str,
    issued_by: str,
) -> Entry:
    """A recall notice asks ``recipient_agency`` to sequester or destroy the disclosures
    recorded at ``disclosure_entries`` (ledger indexes) and certify it by ``certify_by``."""
    return _entry(
        EntryKind.RECALL_ISSUED,
        at,
        {
            "notice_id": notice_id,
            "recipient_agency": recipient_agency,
            "scope": scope,
            "order": order,
            "disclosure_entries": list(disclosure_entries),
            "certify_by": certify_by,
            "issued_by": issued_by,
        },
    )


def incident_reported(
    *,
    at: datetime,
    incident_id: str,
    notice_id: str,
    unauthorized_disclosures: int,
    report_sha256: str,
    reported_by: str,
) -> Entry:
    """An incident report on possibly unauthorized disclosures (each a separate act) went to
    the Inspector General and the Office of Safeguards."""
    return _entry(
        EntryKind.INCIDENT_REPORTED,
        at,
        {
            "incident_id": incident_id,
            "notice_id": notice_id,
            "unauthorized_disclosures": unauthorized_disclosures,
            "report_sha256": report_sha256,
            "reported_by": reported_by,
        },
    )


def destruction_certified(
    *, at: datetime, notice_id: str, certified_by: str, certified_on: str
) -> Entry:
    """The recipient certified that the recalled records were destroyed."""
    return _entry(
        EntryKind.DESTRUCTION_CERTIFIED,
        at,
        {"notice_id": notice_id, "certified_by": certified_by, "certified_on": certified_on},
    )


def agency_safeguards_changed(
    *,
    at: datetime,
    agency: str,
    open_findings: int,
    corrective_plan_dated: str | None,
    cleared: bool,
    changed_by: str,
    note: str,
) -> Entry:
    """A recipient agency's safeguard review status changed (the gate on response files)."""
    return _entry(
        EntryKind.AGENCY_SAFEGUARDS_CHANGED,
        at,
        {
            "agency": agency,
            "open_findings": open_findings,
            "corrective_plan_dated": corrective_plan_dated,
            "cleared": cleared,
            "changed_by": changed_by,
            "note": note,
        },
    )


def user_changed(
    *, at: datetime, user: str, action: str, role: str, agency: str | None, changed_by: str
) -> Entry:
    """A service user was added or revoked (the token itself is never recorded)."""
    return _entry(
        EntryKind.USER_CHANGED,
        at,
        {
            "user": user,
            "action": action,
            "role": role,
            "agency": agency,
            "changed_by": changed_by,
        },
    )
