"""The decisions files: ``BATCH_ID.decisions.parquet`` beside the response (internal: every
record's outcome, code, evidence and candidates), and the working copy a resumed or repeated
run answers from.

The working decisions (``$IVS_HOME/work/BATCH_ID/decisions.arrow``, purged after retention) are
the decisions as matched, before holds, so a resumed or repeated run answers from exactly what
was committed. Their schema metadata says what they belong to: the manifest digest, the rule
set and the index folder matched against. They hold the disclosed addresses, so they are
sealed with the batch's key (``ivs.disclose.batch_keys``); the decisions file beside the
response holds no address (:func:`published`): the disclosed values leave only in the
encrypted response package.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc
import pyarrow.parquet as pq

from ivs.disclose.batch_keys import seal, unseal
from ivs.domain.errors import NotFound
from ivs.domain.ids import BatchKey, path_for_id
from ivs.domain.schema import ADDRESS_FIELDS
from ivs.domain.settings import Settings

__all__ = [
    "WorkDecisions",
    "decisions_as_matched",
    "decisions_digest",
    "index_of",
    "published",
    "rule_set_of",
    "stored_decisions",
    "unchanged_by_commit",
    "whole_and_kept",
    "with_candidate_lists",
    "with_provenance",
    "write_unpublished",
    "write_work_decisions",
]


def decisions_digest(path: Path) -> str | None:
    """The manifest digest working decisions at ``path`` (or as Parquet beside it) were made
    for, read from their schema alone; None when there are none, or they cannot be read."""
    legacy = path.with_suffix(".parquet")
    try:
        if path.is_file() and not path.is_symlink():
            with pa.OSFile(str(path), "rb") as source:
                metadata = pa.ipc.open_file(source).schema.metadata or {}
        elif legacy.is_file() and not legacy.is_symlink():
            metadata = pq.read_schema(legacy).metadata or {}
        else:
            return None
    except (OSError, pa.ArrowInvalid):
        return None
    digest = metadata.get(b"ivs.manifest_digest")
    return None if digest is None else digest.decode()


_SEALED_AS = "working decisions"


@dataclass(frozen=True, slots=True)
class WorkDecisions:
    """The working decisions of one batch, sealed with the batch's key under ``home``."""

    home: Path
    key: BatchKey

    @classmethod
    def of(cls, settings: Settings, key: BatchKey) -> WorkDecisions:
        return cls(Path(settings.home), key)

    @property
    def path(self) -> Path:
        """``$IVS_HOME/work/AGENCY/BATCH_ID/decisions.arrow``: Arrow IPC, read by this program
        alone; with the candidate lists it is written in a sixth of Parquet's time."""
        return self.key.folder(self.home / "work") / "decisions.arrow"

    @property
    def legacy_path(self) -> Path:
        """Where working decisions were kept, unsealed, while batch ids were one namespace
        for all agencies: read when they are the very batch's (its manifest digest), purged
        with it."""
        return path_for_id(self.home / "work", self.key.batch_id, "/decisions.arrow")

    def seal(self, data: bytes) -> bytes:
        return seal(self.home, self.key, _SEALED_AS, data)

    def unseal(self, data: bytes) -> bytes:
        return unseal(self.home, self.key, _SEALED_AS, data)


def published(table: pa.Table) -> pa.Table:
    """The decisions file as written beside the response: without the request's state (the
    record's own) and without the disclosed address, which leaves only in the package."""
    drop = ["request_state", *(f"disclosed_{f}" for f in ADDRESS_FIELDS)]
    return table.drop_columns([c for c in drop if c in table.column_names])


def with_provenance(
    table: pa.Table, *, manifest_digest: str, rule_set: str, index: Path
) -> pa.Table:
    """``table`` marked with the batch, rule set and index its decisions come from."""
    return table.replace_schema_metadata(
        {
            "ivs.manifest_digest": manifest_digest,
            "ivs.rule_set": rule_set,
            "ivs.index": str(index.resolve()),
        }
    )


def rule_set_of(table: pa.Table) -> str:
    """The digest of the rule set that decided ``table`` (see :func:`with_provenance`)."""
    metadata: dict[bytes, bytes] = table.schema.metadata or {}
    return metadata[b"ivs.rule_set"].decode()


def index_of(table: pa.Table) -> Path:
    """The index folder ``table``'s batch was matched against (see :func:`with_provenance`)."""
    metadata: dict[bytes, bytes] = table.schema.metadata or {}
    return Path(metadata[b"ivs.index"].decode())


def with_candidate_lists(decided: pa.Table, lists: pa.Array) -> pa.Table:
    """``decided`` with its ``candidate_list`` column, where the decisions file has it."""
    position = decided.schema.get_field_index("rule_set")
    return decided.add_column(position, "candidate_list", lists)


def write_unpublished(table: pa.Table, path: Path) -> Path:
    """``table`` as Parquet beside ``path``; the caller renames it into place when it stands."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    pq.write_table(table, partial, compression="zstd")
    return partial


def unchanged_by_commit(matched: pa.Table, committed: pa.Table) -> bool:
    """Whether every record was committed as matched (no hold changed an outcome): the
    decisions file written from ``matched`` is then the committed one."""
    return all(
        pc.all(pc.fill_null(pc.equal(matched.column(name), committed.column(name)), False)).as_py()
        for name in ("outcome", "decision_code")
    )


def write_work_decisions(table: pa.Table, work: WorkDecisions) -> None:
    path = work.path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    # Compressed in the calling thread (one beside the commit, at its lower priority), not
    # in Arrow's pool; sealed in memory, so no plaintext byte reaches the disk.
    options = pa.ipc.IpcWriteOptions(compression="zstd", use_threads=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    partial.write_bytes(work.seal(sink.getvalue().to_pybytes()))
    partial.replace(path)


def whole_and_kept(decided: pa.Table, lists: Future[pa.Array], work: WorkDecisions) -> pa.Table:
    """The decisions table with its candidate lists, once they are read, kept as the working
    decisions file. Not needed before the commit: a run stopped before it is written matches
    again, to the same decisions, and resumes after what was committed."""
    whole = with_candidate_lists(decided, lists.result())
    write_work_decisions(whole, work)
    return whole


def decisions_as_matched(whole: Future[pa.Table], path: Path) -> Path:
    """The decisions file as matched, unpublished beside ``path`` (see write_unpublished)."""
    return write_unpublished(published(whole.result()), path)


def stored_decisions(work: WorkDecisions, digest: str) -> pa.Table | None:
    """The working decisions if they are the batch with manifest ``digest``; None when there
    are none, or they can no longer be read (the batch's key was destroyed by a purge)."""
    path = work.path
    # Working decisions kept before batches were their agency's were neither sealed nor in
    # their agency's folder: read (as Arrow IPC, or as the Parquet before it) when they are
    # this very batch's.
    legacy = work.legacy_path
    if path.is_file():
        try:
            data = work.unseal(path.read_bytes())
        except NotFound:
            return None
        table = pa.ipc.open_file(pa.BufferReader(data)).read_all()
    elif decisions_digest(legacy) == digest:
        if legacy.is_file():
            with pa.OSFile(str(legacy), "rb") as source:
                table = pa.ipc.open_file(source).read_all()
        else:
            table = pq.read_table(legacy.with_suffix(".parquet"))
    else:
        return None
    metadata = table.schema.metadata or {}
    if metadata.get(b"ivs.manifest_digest") != digest.encode():
        return None
    return table
