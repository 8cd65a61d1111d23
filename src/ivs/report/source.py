"""What a report reads: one snapshot of the ledger, its entries parsed as columns.

A report is computed from the first ``size`` entries of the ledger, whose root it states, so
anyone holding the ledger (or its export) can recompute every figure.

A batch is known by its agency and its id: every entry about a batch carries both (``agency``
beside ``batch_id``; a disclosure's ``recipient_agency``; a receipt's ``requesting_agency``).
Entries written while ids were one namespace for all agencies carry the id alone, and are the
batch of the agency that first sent a batch of that id; the view gives each of them that agency,
so that every decision, disclosure and entry about a batch has an ``agency``. Decisions and
disclosures, a million a batch at scale, are parsed in bulk by Arrow's JSON reader straight
from the stored canonical bytes; the other kinds are few and are read one by one.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ivs.domain.errors import InvalidRequest, LedgerError, NotFound
from ivs.ledger.entries import EntryKind
from ivs.ledger.log import Ledger
from ivs.ledger.tree_head import SignedTreeHead

__all__ = [
    "DECISION_COLUMNS",
    "DISCLOSURE_COLUMNS",
    "LedgerBasis",
    "LedgerView",
    "Scope",
    "read_view",
]

Record = dict[str, Any]

_TIME = pa.timestamp("ms", tz="UTC")
DECISION_COLUMNS = ("agency", "batch_id", "request_id", "outcome", "code", "state", "score")
DISCLOSURE_COLUMNS = ("batch_id", "request_id", "tin", "recipient_agency", "statute", "purpose")

_SMALL_KINDS = (
    EntryKind.BATCH_RECEIVED,
    EntryKind.BATCH_REFUSED,
    EntryKind.BATCH_QUARANTINED,
    EntryKind.BATCH_COMPLETED,
    EntryKind.DUPLICATE_SUBMISSION,
    EntryKind.REVIEW_DECISION,
    EntryKind.HOLD_PLACED,
    EntryKind.HOLD_LIFTED,
    EntryKind.RECALL_ISSUED,
    EntryKind.INCIDENT_REPORTED,
    EntryKind.DESTRUCTION_CERTIFIED,
    EntryKind.PILOT_CHANGED,
    EntryKind.RESPONSE_RELEASED,
    EntryKind.RESPONSE_FETCHED,
)


@dataclass(frozen=True, slots=True)
class LedgerBasis:
    """The ledger state a report was computed from: its first ``size`` entries."""

    size: int
    root: str  # hex
    signed: SignedTreeHead | None
    public_key: str  # hex

    @property
    def signed_at(self) -> str | None:
        """When the latest signed head was signed (UTC, ISO 8601)."""
        if self.signed is None:
            return None
        moment = datetime.fromtimestamp(self.signed.head.timestamp_ms / 1000, UTC)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Scope:
    """Which entries a report covers: one batch (its id, and its agency where the id alone is
    ambiguous), or the entries whose time falls in ``[start, end)`` (UTC)."""

    batch_id: str | None = None
    agency: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def days(cls, first: date, last: date) -> Scope:
        """Every entry from the start of ``first`` to the end of ``last`` (UTC days)."""
        end = datetime(last.year, last.month, last.day, tzinfo=UTC)
        # The day after the last; for the calendar's last day, its last instant.
        end = end + timedelta(days=1) if last < date.max else end.replace(hour=23, minute=59)
        return cls(start=datetime(first.year, first.month, first.day, tzinfo=UTC), end=end)


@dataclass
class LedgerView:
    """A report's entries: decisions and disclosures as Arrow tables, the rest as records
    (``i`` and ``at`` beside the body's fields)."""

    basis: LedgerBasis
    scope: Scope
    decisions: pa.Table
    disclosures: pa.Table
    # The entries of the other kinds in scope (a period's; a batch report takes all and
    # picks what touches the batch), and all of them whatever the scope: a batch's agency,
    # the pilot in force, whether a case was ever reviewed.
    small: dict[str, list[Record]] = field(default_factory=dict)
    small_all: dict[str, list[Record]] = field(default_factory=dict)

    def of(self, kind: EntryKind) -> list[Record]:
        return self.small.get(kind.value, [])

    def ever(self, kind: EntryKind) -> list[Record]:
        return self.small_all.get(kind.value, [])


def _schema(columns: Iterable[str]) -> pa.Schema:
    return pa.schema(
        [
            ("i", pa.int64()),
            ("at", _TIME),
            ("body", pa.struct([(name, pa.string()) for name in columns])),
        ]
    )


def _empty(columns: Iterable[str]) -> pa.Table:
    names = list(columns)
    return pa.table(
        {"i": pa.array([], pa.int64()), "at": pa.array([], _TIME)}
        | {name: pa.array([], pa.string()) for name in names}
    )


def _parse_chunk(chunk: list[bytes], columns: tuple[str, ...]) -> pa.Table:
    try:
        parsed = pj.read_json(
            io.BytesIO(b"\n".join(chunk)),
            read_options=pj.ReadOptions(block_size=1 << 24, use_threads=True),
            parse_options=pj.ParseOptions(
                explicit_schema=_schema(columns), unexpected_field_behavior="ignore"
            ),
        )
    except pa.ArrowInvalid as e:
        raise LedgerError(
            f"a ledger entry could not be read as a record ({e}); run `ivs ledger verify` to "
            "find which entry is damaged."
        ) from e
    body = parsed.column("body").combine_chunks()
    return pa.table(
        {"i": parsed.column("i"), "at": parsed.column("at")}
        | {name: body.field(name) for name in columns}
    )


def _bulk(
    ledger: Ledger,
    kind: EntryKind,
    columns: tuple[str, ...],
    *,
    start: int,
    stop: int,
    keep: Callable[[pa.Table], pa.Array | pa.ChunkedArray],
) -> pa.Table:
    parts = [_empty(columns)]
    for chunk in ledger.entry_bytes([kind.value], start=start, stop=stop):
        table = _parse_chunk(chunk, columns)
        parts.append(table.filter(keep(table)))
    return pa.concat_tables(parts).combine_chunks()


def _record(data: bytes) -> Record:
    document: dict[str, Any] = json.loads(data)
    body: Record = document["body"]
    return {"i": document["i"], "at": document["at"], "kind": document["kind"], **body}


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _basis(ledger: Ledger) -> LedgerBasis:
    head = ledger.head()
    try:
        signed: SignedTreeHead | None = ledger.signed_head()
    except NotFound:
        signed = None
    return LedgerBasis(head.size, head.root.hex(), signed, ledger.public_key.hex())


def _first_senders(small: dict[str, list[Record]]) -> dict[str, str]:
    """Each batch id's first requesting agency: the agency of the entries about that id that
    were written before entries named the agency. Every record about a batch is given its
    agency (a receipt its ``requesting_agency``; an older entry its id's first sender)."""
    owner: dict[str, str] = {}
    for r in small.get(EntryKind.BATCH_RECEIVED.value, []):
        r.setdefault("agency", r["requesting_agency"])
        owner.setdefault(r["batch_id"], r["requesting_agency"])
    for kind, records in small.items():
        if kind == EntryKind.BATCH_REFUSED.value:
            continue  # a refusal without an agency may be anyone's: it is not guessed
        for r in records:
            if r.get("agency") is None and r.get("batch_id") in owner:
                r["agency"] = owner[r["batch_id"]]
    return owner


def _with_agency(table: pa.Table, owner: dict[str, str]) -> pa.Table:
    """Decisions with their agency filled in where the entry did not name it."""
    agency = table.column("agency")
    if agency.null_count == 0 or not owner:
        return table
    ids = pa.array(list(owner), pa.string())
    first = pc.take(
        pa.array(list(owner.values()), pa.string()), pc.index_in(table["batch_id"], ids)
    )
    return table.set_column(
        table.column_names.index("agency"), "agency", pc.coalesce(agency, first)
    )


def _disclosures_with_agency(table: pa.Table) -> pa.Table:
    # A disclosure's recipient is the batch's requesting agency.
    return table.append_column("agency", table.column("recipient_agency"))


def _batch_agency(received: list[Record], batch_id: str, agency: str | None, stop: int) -> str:
    """The agency whose batch ``batch_id`` a batch report is about."""
    agencies = sorted({str(r["requesting_agency"]) for r in received if r["batch_id"] == batch_id})
    if agency is not None and agency in agencies:
        return agency
    if not agencies or agency is not None:
        of = f" of {agency}" if agency is not None else ""
        raise NotFound(
            f"batch {batch_id!r}{of} is not on the ledger (no batch_received entry among its "
            f"{stop:,} entries). Check the batch id: `ivs ledger export` lists every entry."
        )
    if len(agencies) > 1:
        raise InvalidRequest(
            f"batch id {batch_id!r} names batches of {len(agencies)} agencies "
            f"({', '.join(agencies)}); each agency's batch ids are its own. Say which batch "
            "with its agency (--agency)"
        )
    return agencies[0]


def read_view(ledger: Ledger, scope: Scope) -> LedgerView:
    """The entries ``scope`` covers among the ledger's current entries. A batch's scope
    comes back with its agency, found from the batch's receipt when not given."""
    basis = _basis(ledger)
    stop = basis.size
    small: dict[str, list[Record]] = {}
    for chunk in ledger.entry_bytes([k.value for k in _SMALL_KINDS], stop=stop):
        for data in chunk:
            record = _record(data)
            small.setdefault(record["kind"], []).append(record)
    everything = small
    received = small.get(EntryKind.BATCH_RECEIVED.value, [])
    owner = _first_senders(small)

    if scope.batch_id is not None:
        batch_id = scope.batch_id
        agency = _batch_agency(received, batch_id, scope.agency, stop)
        scope = replace(scope, agency=agency)
        # A batch's decisions come after its receipt and, once it is completed, before its
        # completion; its disclosures too, except those released after review, later.
        start = min(
            r["i"]
            for r in received
            if r["batch_id"] == batch_id and r["requesting_agency"] == agency
        )
        completed = [
            r["i"]
            for r in small.get(EntryKind.BATCH_COMPLETED.value, [])
            if r["batch_id"] == batch_id and r.get("agency") == agency
        ]
        decided_by = max(completed) + 1 if completed else stop
        # Entries that do not name their agency are their id's first sender's.
        unnamed = pa.scalar(owner.get(batch_id, ""), pa.string())

        def decided_in_batch(table: pa.Table) -> pa.Array | pa.ChunkedArray:
            named = pc.coalesce(table.column("agency"), unnamed)
            return pc.and_(pc.equal(table.column("batch_id"), batch_id), pc.equal(named, agency))

        def disclosed_in_batch(table: pa.Table) -> pa.Array | pa.ChunkedArray:
            return pc.and_(
                pc.equal(table.column("batch_id"), batch_id),
                pc.equal(table.column("recipient_agency"), agency),
            )

        decisions = _bulk(
            ledger,
            EntryKind.RECORD_DECISION,
            DECISION_COLUMNS,
            start=start,
            stop=decided_by,
            keep=decided_in_batch,
        )
        disclosures = _bulk(
            ledger,
            EntryKind.DISCLOSURE,
            DISCLOSURE_COLUMNS,
            start=start,
            stop=stop,
            keep=disclosed_in_batch,
        )
    else:
        low = pa.scalar(scope.start, _TIME) if scope.start else None
        high = pa.scalar(scope.end, _TIME) if scope.end else None

        def in_period(table: pa.Table) -> pa.Array | pa.ChunkedArray:
            at = table.column("at")
            mask = pc.greater_equal(at, low) if low is not None else pc.is_valid(at)
            if high is not None:
                mask = pc.and_(mask, pc.less(at, high))
            return mask

        decisions = _bulk(
            ledger, EntryKind.RECORD_DECISION, DECISION_COLUMNS, start=0, stop=stop, keep=in_period
        )
        disclosures = _bulk(
            ledger, EntryKind.DISCLOSURE, DISCLOSURE_COLUMNS, start=0, stop=stop, keep=in_period
        )
        low_text = _stamp(scope.start) if scope.start else ""
        high_text = _stamp(scope.end) if scope.end else "~"
        small = {
            kind: [r for r in records if low_text <= r["at"] < high_text]
            for kind, records in small.items()
        }
    decisions = _with_agency(decisions, owner)
    disclosures = _disclosures_with_agency(disclosures)
    scores = pc.cast(decisions.column("score"), pa.float64())
    decisions = decisions.set_column(decisions.column_names.index("score"), "score", scores)
    return LedgerView(
        basis=basis,
        scope=scope,
        decisions=decisions,
        disclosures=disclosures,
        small=small,
        small_all=everything,
    )
