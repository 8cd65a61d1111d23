"""The accounting ledger in the store: append, signed heads, proofs, export.

Appending reads only the tree's right edge (``ledger_state``), writes the entries, the
subtree hashes they complete and any signed heads due, and moves the right edge, all in the
caller's transaction if one is given, so a decision and its accounting commit together or
not at all. Appends are serialized by a row lock on ``ledger_state`` taken first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import UTC, datetime
from typing import TextIO

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.exc import SQLAlchemyError

from ivs.domain.errors import LedgerError, NotFound, StoreError
from ivs.ledger.audit import VerifyReport, verify_log
from ivs.ledger.entries import Entry, EntryKind
from ivs.ledger.merkle import AppendedNodes, MerkleFrontier, leaf_hash, leaf_hashes
from ivs.ledger.proof_documents import ConsistencyProof, InclusionProof
from ivs.ledger.proofs import consistency_proof, inclusion_proof
from ivs.ledger.stored_tree import MIN_STORED_LEVEL, StoredTree
from ivs.ledger.tree_head import SignedTreeHead, TreeHead, sign_tree_head
from ivs.store.bulk import insert_columns
from ivs.store.ledger_tables import (
    ledger_entries,
    ledger_signed_heads,
    ledger_state,
    ledger_subtrees,
)

__all__ = ["CHECKPOINT_INTERVAL", "Ledger"]

CHECKPOINT_INTERVAL = 1_000
_EXPORT_CHUNK = 10_000


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _subtree_columns(grown: AppendedNodes) -> dict[str, Sequence[object]]:
    """Level, position and hash of each stored subtree the append completed, in the order
    appending one entry at a time writes them: by the entry that completes them, then by
    level."""
    completed = [grown.completed(level) for level in range(grown.height)]
    levels: list[int] = []
    positions: list[int] = []
    hashes: list[bytes] = []
    if len(completed) <= MIN_STORED_LEVEL:
        return {"level": levels, "position": positions, "hash": hashes}
    # Every stored subtree ends where one of the lowest stored level ends: walk those in order
    # and add, after each, the larger subtrees that end with it (one step per 16 entries).
    start, lowest = completed[MIN_STORED_LEVEL]
    for offset, value in enumerate(lowest):
        position = start + offset
        levels.append(MIN_STORED_LEVEL)
        positions.append(position)
        hashes.append(value)
        level, end = MIN_STORED_LEVEL + 1, position + 1  # end in subtrees of that level
        while not end & 1:
            end >>= 1
            first, above = completed[level]
            levels.append(level)
            positions.append(end - 1)
            hashes.append(above[end - 1 - first])
            level += 1
    return {"level": levels, "position": positions, "hash": hashes}


class Ledger:
    """The append-only accounting log of one store, signed with the agency's ledger key."""

    def __init__(
        self,
        engine: sa.Engine,
        signing_key: Ed25519PrivateKey,
        *,
        checkpoint_interval: int = CHECKPOINT_INTERVAL,
    ) -> None:
        if checkpoint_interval < 1:
            raise LedgerError(f"checkpoint interval must be positive, got {checkpoint_interval}")
        self._engine = engine
        self._key = signing_key
        self._public_key = signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._interval = checkpoint_interval

    @property
    def store(self) -> sa.Engine:
        """The store this ledger lives in (its writers share its transactions)."""
        return self._engine

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        """The agency's ledger key: it signs tree heads and response packages."""
        return self._key

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key that checks this ledger's signed heads."""
        return self._public_key

    # --- appending ------------------------------------------------------------------------

    def append(self, entries: Sequence[Entry], conn: sa.Connection | None = None) -> list[int]:
        """Append ``entries`` in order and return their indexes.

        With ``conn``, everything is written in the caller's transaction and commits (or
        rolls back) with it; without, in a transaction of its own.
        """
        kinds = [entry.kind.value for entry in entries]
        return list(
            self.append_encoded(
                kinds,
                lambda first: [entry.to_bytes(first + k) for k, entry in enumerate(entries)],
                conn,
            )
        )

    def append_encoded(
        self,
        kinds: Sequence[str],
        encode: Callable[[int], Sequence[bytes]],
        conn: sa.Connection | None = None,
    ) -> range:
        """Append ``len(kinds)`` entries whose canonical bytes ``encode(first_index)`` makes.

        For bulk writers that build entry bytes from columns (entry_columns.py): the bytes
        embed each entry's index, so they can only be made once the log is locked.
        """
        if not kinds:
            return range(0)
        try:
            if conn is not None:
                return self._append(conn, kinds, encode)
            with self._engine.begin() as own:
                return self._append(own, kinds, encode)
        except SQLAlchemyError as e:
            raise StoreError(
                f"could not append {len(kinds)} ledger entries: {e.__class__.__name__}: {e}. "
                "Nothing of this transaction was recorded; the run must stop and be retried."
            ) from e

    def _lock_state(self, conn: sa.Connection) -> MerkleFrontier:
        # A no-op write first: it takes the row lock (PostgreSQL) or the write lock (SQLite)
        # before the right edge is read, so concurrent appenders queue instead of forking.
        touched = conn.execute(
            ledger_state.update()
            .where(ledger_state.c.state_id == 1)
            .values(tree_size=ledger_state.c.tree_size)
        )
        if touched.rowcount == 0:
            empty = MerkleFrontier()
            conn.execute(
                ledger_state.insert().values(state_id=1, tree_size=0, frontier=empty.to_bytes())
            )
            return empty
        return self._read_state(conn)

    def lock(self, conn: sa.Connection) -> int:
        """Take the ledger's append lock in ``conn``'s transaction; returns the tree size.

        A writer that must check something and record it atomically (a hold, a duplicate)
        locks first, so no other writer can append between its check and its entries.
        """
        return self._lock_state(conn).size

    @staticmethod
    def _read_state(conn: sa.Connection) -> MerkleFrontier:
        stored = conn.execute(
            sa.select(ledger_state.c.frontier).where(ledger_state.c.state_id == 1)
        ).scalar_one_or_none()
        return MerkleFrontier() if stored is None else MerkleFrontier.from_bytes(bytes(stored))

    def _append(
        self, conn: sa.Connection, kinds: Sequence[str], encode: Callable[[int], Sequence[bytes]]
    ) -> range:
        frontier = self._lock_state(conn)
        first = frontier.size
        encoded = encode(first)
        if len(encoded) != len(kinds):
            raise LedgerError(f"{len(encoded)} entries encoded for {len(kinds)} kinds")
        now = _now()
        created = _stamp(now)
        leaves = leaf_hashes(encoded)
        grown = frontier.extend_with_nodes(leaves)
        insert_columns(
            conn,
            ledger_entries,
            {
                "entry_index": range(first, grown.new_size),
                "kind": kinds,
                "entry": encoded,
                "leaf_hash": leaves,
                "created_at": [created] * len(leaves),
            },
        )
        insert_columns(conn, ledger_subtrees, _subtree_columns(grown))
        head_rows = [
            self._head_row(self._sign(size, grown.root(size), now), now)
            for size in range(
                first - first % self._interval + self._interval,
                grown.new_size + 1,
                self._interval,
            )
        ]
        if head_rows:
            conn.execute(ledger_signed_heads.insert(), head_rows)
        conn.execute(
            ledger_state.update()
            .where(ledger_state.c.state_id == 1)
            .values(tree_size=frontier.size, frontier=frontier.to_bytes())
        )
        return range(first, grown.new_size)

    def _sign(self, size: int, root: bytes, now: datetime) -> SignedTreeHead:
        head = TreeHead(size=size, root=root, timestamp_ms=int(now.timestamp() * 1000))
        return sign_tree_head(head, self._key)

    @staticmethod
    def _head_row(signed: SignedTreeHead, now: datetime) -> dict[str, object]:
        return {
            "tree_size": signed.head.size,
            "signed_head": signed.to_bytes(),
            "created_at": _stamp(now),
        }

    # --- heads ----------------------------------------------------------------------------

    def head(self, conn: sa.Connection | None = None) -> TreeHead:
        """The current size and root, timestamped now (unsigned; see :meth:`checkpoint`)."""
        if conn is None:
            with self._engine.connect() as own:
                return self.head(own)
        frontier = self._read_state(conn)
        return TreeHead(frontier.size, frontier.root(), int(_now().timestamp() * 1000))

    def checkpoint(self, conn: sa.Connection | None = None) -> SignedTreeHead:
        """Sign and store the current head (or return the stored one if it is current)."""
        if conn is None:
            with self._engine.begin() as own:
                return self.checkpoint(own)
        frontier = self._lock_state(conn)
        latest = self._latest_head(conn)
        if latest is not None and latest.head.size == frontier.size:
            return latest
        now = _now()
        signed = self._sign(frontier.size, frontier.root(), now)
        conn.execute(ledger_signed_heads.insert().values(**self._head_row(signed, now)))
        return signed

    @staticmethod
    def _latest_head(conn: sa.Connection, size: int | None = None) -> SignedTreeHead | None:
        query = sa.select(ledger_signed_heads.c.signed_head)
        if size is not None:
            query = query.where(ledger_signed_heads.c.tree_size == size)
        stored = conn.execute(
            query.order_by(
                ledger_signed_heads.c.tree_size.desc(), ledger_signed_heads.c.head_id.desc()
            ).limit(1)
        ).scalar_one_or_none()
        return None if stored is None else SignedTreeHead.from_bytes(bytes(stored))

    def signed_head(self, size: int | None = None) -> SignedTreeHead:
        """The latest stored signed head (of ``size`` entries, if given)."""
        with self._engine.connect() as conn:
            found = self._latest_head(conn, size)
        if found is None:
            which = f"of {size} entries " if size is not None else ""
            raise NotFound(
                f"no signed tree head {which}is stored: heads are signed every "
                f"{self._interval} entries and by `ivs ledger head --sign`."
            )
        return found

    # --- proofs ---------------------------------------------------------------------------

    def inclusion_proof(
        self, index: int, size: int | None = None, conn: sa.Connection | None = None
    ) -> InclusionProof:
        """Proof that entry ``index`` is in the tree of ``size`` entries (default: all); in
        ``conn``'s transaction if given (an entry it appended, not yet committed)."""
        if conn is None:
            with self._engine.connect() as own:
                return self.inclusion_proof(index, size, own)
        current = self._read_state(conn).size
        size = current if size is None else size
        if not 0 <= index < size <= current:
            raise NotFound(
                f"no entry {index} in a tree of {size} entries: the ledger holds {current}. "
                "Ask for an index below the tree size, and a size the ledger has reached."
            )
        tree = StoredTree(conn, current)
        path = inclusion_proof(index, size, tree)
        data = conn.execute(
            sa.select(ledger_entries.c.entry).where(ledger_entries.c.entry_index == index)
        ).scalar_one_or_none()
        if data is None:
            raise LedgerError(f"entry {index} is missing from the store; run verify")
        return InclusionProof(
            index=index,
            tree_size=size,
            entry=bytes(data),
            leaf_hash=leaf_hash(bytes(data)),
            root=tree.subtree_hash(0, size),
            audit_path=tuple(path),
            signed_head=self._latest_head(conn, size),
            public_key=self._public_key,
        )

    def consistency_proof(self, old: int, new: int | None = None) -> ConsistencyProof:
        """Proof that the tree of ``new`` entries (default: all) extends the one of ``old``."""
        with self._engine.connect() as conn:
            current = self._read_state(conn).size
            new = current if new is None else new
            if not 0 < old <= new <= current:
                raise NotFound(
                    f"no consistency proof from {old} to {new} entries: the ledger holds "
                    f"{current}, and the sizes must satisfy 0 < old <= new <= {current}."
                )
            tree = StoredTree(conn, current)
            return ConsistencyProof(
                old_size=old,
                new_size=new,
                old_root=tree.subtree_hash(0, old),
                new_root=tree.subtree_hash(0, new),
                path=tuple(consistency_proof(old, new, tree)),
                old_signed_head=self._latest_head(conn, old),
                new_signed_head=self._latest_head(conn, new),
                public_key=self._public_key,
            )

    # --- audit ----------------------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Recompute every leaf, the tree and every signed head from the stored bytes."""
        with self._engine.connect() as conn:
            return verify_log(conn, (self._public_key,))

    def entry_bytes(
        self,
        kinds: Collection[str],
        *,
        start: int = 0,
        stop: int | None = None,
        chunk: int = 100_000,
    ) -> Iterator[list[bytes]]:
        """The stored bytes of the entries of ``kinds`` with ``start <= index < stop``, in
        index order, ``chunk`` at a time.

        For readers that parse many entries at once (reports parse a batch's decisions as
        columns); the bytes are as stored, which ``verify`` checks against the tree.
        """
        known = {kind.value for kind in EntryKind}
        if not set(kinds) <= known:
            raise LedgerError(f"unknown entry kinds {sorted(set(kinds) - known)}")
        next_index = start
        with self._engine.connect() as conn:
            # Rows straight from the driver's cursor: a million-entry batch read through
            # SQLAlchemy's row objects takes four times as long. The statement holds only
            # integers and known kind names, so it is rendered with its values inline.
            cursor = conn.connection.cursor()
            try:
                while True:
                    query = sa.select(ledger_entries.c.entry_index, ledger_entries.c.entry).where(
                        ledger_entries.c.kind.in_(sorted(kinds)),
                        ledger_entries.c.entry_index >= int(next_index),
                    )
                    if stop is not None:
                        query = query.where(ledger_entries.c.entry_index < int(stop))
                    statement = query.order_by(ledger_entries.c.entry_index).limit(int(chunk))
                    cursor.execute(
                        str(
                            statement.compile(
                                dialect=conn.dialect, compile_kwargs={"literal_binds": True}
                            )
                        )
                    )
                    rows = cursor.fetchall()
                    if not rows:
                        return
                    yield [bytes(row[1]) for row in rows]
                    next_index = rows[-1][0] + 1
            finally:
                cursor.close()

    def export_jsonl(self, stream: TextIO) -> int:
        """Write every entry, in order, one JSON object a line; returns how many."""
        written, next_index = 0, 0
        with self._engine.connect() as conn:
            while True:
                rows = conn.execute(
                    sa.select(ledger_entries)
                    .where(ledger_entries.c.entry_index >= next_index)
                    .order_by(ledger_entries.c.entry_index)
                    .limit(_EXPORT_CHUNK)
                ).all()
                if not rows:
                    return written
                for row in rows:
                    line = {
                        "index": row.entry_index,
                        "kind": row.kind,
                        "leaf_hash": bytes(row.leaf_hash).hex(),
                        "created_at": row.created_at,
                        "entry": bytes(row.entry).decode("utf-8", errors="replace"),
                    }
                    stream.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
                written += len(rows)
                next_index = rows[-1].entry_index + 1
