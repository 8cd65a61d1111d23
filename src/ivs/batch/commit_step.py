"""Exactly once: every record's decision, and every disclosure, on the record before any
response file carries it.

The batch's decisions are committed in chunks. One transaction per chunk takes the ledger's
lock, re-reads how far the batch has come (so a second runner of the same batch cannot
decide a record twice), checks the holds in force at that moment, appends the chunk's
``record_decision`` entries and a ``disclosure`` entry per record disclosed, writes the
records' rows and moves the batch's progress mark. A crash loses at most the chunk in
flight, which the next run decides again; a store error stops the run (fail closed).

Response files are written afterwards from what was committed (:func:`committed_decisions`):
the outcomes this run's own transactions wrote, or, where another run committed part of the
batch, the records' rows read back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from ivs.decide.rules import apply_holds
from ivs.disclose.holds import held_mask, holds_in_force
from ivs.domain.codes import Outcome
from ivs.domain.errors import LedgerError
from ivs.domain.ids import BatchKey
from ivs.domain.schema import ADDRESS_FIELDS
from ivs.formats.manifest import Recipient
from ivs.ledger.entries import EntryKind, instant
from ivs.ledger.entry_columns import disclosure_bytes, record_decision_bytes, values_digests
from ivs.ledger.log import Ledger
from ivs.store.bulk import insert_columns, select_rows
from ivs.store.disclosure_tables import batch_records
from ivs.store.schema import batch_is, batches

__all__ = [
    "BatchAccount",
    "CommittedChunk",
    "commit_decisions",
    "committed_decisions",
]


@dataclass(frozen=True, slots=True)
class BatchAccount:
    """What the accounting says about every disclosure of one batch."""

    batch_id: str
    agency: str
    recipients: Sequence[Recipient]
    statute: str
    purpose: str
    rule_set: str
    software_version: str

    @property
    def key(self) -> BatchKey:
        return BatchKey(self.agency, self.batch_id)


@dataclass(frozen=True, slots=True)
class CommittedChunk:
    """Rows ``first_row`` onwards as one transaction of this run committed them."""

    first_row: int
    outcome: pa.Array
    code: pa.Array


def _scores(probabilities: pa.ChunkedArray | pa.Array) -> list[str | None]:
    # Six places, as Python rounds them; each distinct probability is formatted once (a
    # model's probabilities repeat: they are a function of a few comparison levels).
    distinct = probabilities.unique()
    formatted = pa.array(
        [None if p is None else f"{p:.6f}" for p in distinct.to_pylist()], pa.string()
    )
    return pc.take(formatted, pc.index_in(probabilities, distinct)).to_pylist()  # type: ignore[no-any-return]


def _advisories(chunk: pa.Table) -> list[str | None] | None:
    # Decisions files written before advisories existed have no such column.
    if "advisories" not in chunk.column_names:
        return None
    return chunk.column("advisories").to_pylist()  # type: ignore[no-any-return]


def _committed_rows(conn: sa.Connection, key: BatchKey) -> int:
    return int(
        conn.execute(sa.select(batches.c.committed_rows).where(batch_is(batches, key))).scalar_one()
    )


def _disclosure_bytes(
    chunk: pa.Table, account: BatchAccount, at: datetime
) -> Callable[[int], list[bytes]]:
    digests = values_digests(
        {field: chunk.column(f"disclosed_{field}").to_pylist() for field in ADDRESS_FIELDS}
    )
    return lambda first: disclosure_bytes(
        first,
        at=at,
        batch_id=account.batch_id,
        recipient_agency=account.agency,
        recipients=account.recipients,
        statute=account.statute,
        purpose=account.purpose,
        fields=ADDRESS_FIELDS,
        request_ids=chunk.column("request_id").to_pylist(),
        tins=chunk.column("matched_tin").to_pylist(),
        values_digests=digests,
    )


# batch_records.request_id: String(200), NOT NULL; PostgreSQL text holds no NUL.
_STORED_ID_LENGTH = 200


def _recorded_ids(request_ids: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """The request ids as the store and the ledger keep them. A record whose id the store
    cannot hold (missing, holding NUL, longer than its column: rejected at intake, as every id
    that is not an identifier is) is kept under an empty one, its row identifying it."""
    storable = pc.and_(
        pc.invert(pc.match_substring(request_ids, "\x00")),
        pc.less_equal(pc.utf8_length(request_ids), _STORED_ID_LENGTH),
    )
    return pc.if_else(pc.fill_null(storable, False), request_ids, "")


def _commit_chunk(
    conn: sa.Connection,
    ledger: Ledger,
    chunk: pa.Table,
    first_row: int,
    *,
    account: BatchAccount,
    at: datetime,
) -> CommittedChunk:
    n = chunk.num_rows
    # Checked at the moment of disclosure, inside the transaction that records it.
    in_force = holds_in_force(conn, at)
    held = held_mask(
        in_force,
        agency=account.agency,
        batch_id=account.batch_id,
        states=[chunk.column("request_state"), chunk.column("disclosed_state")],
        length=n,
    )
    outcome, code = apply_holds(chunk.column("outcome"), chunk.column("decision_code"), held)
    request_ids = _recorded_ids(chunk.column("request_id")).to_pylist()
    outcomes = outcome.to_pylist()
    codes = code.to_pylist()
    states = chunk.column("request_state").to_pylist()
    decision_range = ledger.append_encoded(
        [EntryKind.RECORD_DECISION.value] * n,
        lambda first: record_decision_bytes(
            first,
            at=at,
            agency=account.agency,
            batch_id=account.batch_id,
            rule_set=account.rule_set,
            software_version=account.software_version,
            request_ids=request_ids,
            outcomes=outcomes,
            codes=codes,
            states=states,
            scores=_scores(chunk.column("match_probability")),
            advisories=_advisories(chunk),
        ),
        conn,
    )
    disclosed = pc.equal(outcome, Outcome.DISCLOSED.value)
    positions = pc.indices_nonzero(disclosed)
    disclosure_range = ledger.append_encoded(
        [EntryKind.DISCLOSURE.value] * len(positions),
        _disclosure_bytes(chunk.take(positions), account, at),
        conn,
    )
    # The k-th disclosed record's disclosure is the k-th disclosure entry.
    disclosure_entries = pc.if_else(
        disclosed,
        pc.add(pc.cumulative_sum(disclosed.cast(pa.int64())), disclosure_range.start - 1),
        pa.scalar(None, pa.int64()),
    ).to_pylist()
    insert_columns(
        conn,
        batch_records,
        {
            "agency": [account.agency] * n,
            "batch_id": [account.batch_id] * n,
            "row": range(first_row, first_row + n),
            "request_id": request_ids,
            "outcome": outcomes,
            "code": codes,
            "tin": chunk.column("best_tin").to_pylist(),
            "request_state": states,
            "decision_entry": decision_range,
            "disclosure_entry": disclosure_entries,
            "decided_at": [instant(at)] * n,
        },
        # Each row also lands at a random place in the TIN index, which dominates; several
        # rows a statement measured no faster here (unlike the ledger's entries).
        grouped=False,
    )
    conn.execute(
        batches.update().where(batch_is(batches, account.key)).values(committed_rows=first_row + n)
    )
    return CommittedChunk(first_row, _one_array(outcome), _one_array(code))


def _one_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def commit_decisions(
    store: sa.Engine,
    ledger: Ledger,
    decisions: pa.Table,
    account: BatchAccount,
    *,
    chunk_records: int,
    clock: Callable[[], datetime],
    progress: Callable[[int, int], None] | None = None,
) -> list[CommittedChunk]:
    """Put every not yet committed record of ``decisions`` (in row order) on the record; the
    chunks this call committed, in order."""
    total = decisions.num_rows
    committed: list[CommittedChunk] = []
    with store.connect() as conn:
        done = _committed_rows(conn, account.key)
    while done < total:
        with store.begin() as conn:
            ledger.lock(conn)
            # Re-read under the lock: another runner of this batch may have moved on.
            done = _committed_rows(conn, account.key)
            if done >= total:
                break
            size = min(chunk_records, total - done)
            chunk = _commit_chunk(
                conn, ledger, decisions.slice(done, size), done, account=account, at=clock()
            )
        # Kept only once its transaction has committed.
        committed.append(chunk)
        done += size
        if progress is not None:
            progress(done, total)
    return committed


def committed_decisions(
    store: sa.Engine,
    decisions: pa.Table,
    key: BatchKey,
    committed_here: Sequence[CommittedChunk] = (),
) -> pa.Table:
    """``decisions`` with each record's outcome and code as committed (holds applied), and the
    disclosed values kept only where the committed outcome is DISCLOSED.

    Where ``committed_here`` (what :func:`commit_decisions` returned) covers every row, its
    outcomes are those committed; otherwise (a run resumed, or another run committed part of
    the batch) the records' rows are read back from the store."""
    if _covers(committed_here, decisions.num_rows):
        outcome = pa.concat_arrays([c.outcome for c in committed_here])
        code = pa.concat_arrays([c.code for c in committed_here])
    else:
        outcome, code = _read_back(store, decisions, key)
    disclosed = pc.equal(outcome, Outcome.DISCLOSED.value)
    table = decisions.set_column(decisions.schema.get_field_index("outcome"), "outcome", outcome)
    table = table.set_column(table.schema.get_field_index("decision_code"), "decision_code", code)
    for name in ("matched_tin", *(f"disclosed_{f}" for f in ADDRESS_FIELDS)):
        position = table.schema.get_field_index(name)
        table = table.set_column(position, name, pc.if_else(disclosed, table.column(name), None))
    return table


def _covers(chunks: Sequence[CommittedChunk], rows: int) -> bool:
    """Whether ``chunks`` are rows 0 to ``rows`` - 1, in order, without a gap."""
    expected = 0
    for chunk in chunks:
        if chunk.first_row != expected:
            return False
        expected += len(chunk.outcome)
    return expected == rows


def _read_back(store: sa.Engine, decisions: pa.Table, key: BatchKey) -> tuple[pa.Array, pa.Array]:
    """Each record's committed outcome and code, from the records' rows."""
    batch_id = key.batch_id
    with store.connect() as conn:
        rows = select_rows(
            conn,
            batch_records,
            ("request_id", "outcome", "code"),
            where={"agency": key.agency, "batch_id": batch_id},
            order_by="row",
        )
    if len(rows) != decisions.num_rows:
        raise LedgerError(
            f"batch {batch_id}: {len(rows)} records are on the record but the batch has "
            f"{decisions.num_rows}; run the batch again to finish it before any response"
        )
    committed_ids = pa.array([r[0] for r in rows], pa.string())
    recorded = _recorded_ids(decisions.column("request_id"))
    if not pc.all(pc.equal(committed_ids, recorded)).as_py():
        raise LedgerError(
            f"batch {batch_id}: the recorded decisions do not belong to these records, in "
            "this order; the working decisions file no longer matches the record"
        )
    return pa.array([r[1] for r in rows], pa.string()), pa.array([r[2] for r in rows], pa.string())
