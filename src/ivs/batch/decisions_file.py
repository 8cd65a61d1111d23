"""The decisions files: ``BATCH_ID.decisions.parquet`` beside the response (internal: every
record's outcome, code, evidence and candidates), and the working copy a resumed or repeated
run answers from.

The working decisions (``$IVS_HOME/work/BATCH_ID/decisions.arrow``, purged after retention) are
the decisions as matched, before holds, so a resumed or repeated run answers from exactly what
was committed. Their schema metadata says what they belong to: the manifest digest, the rule
set and the index folder matched against.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc
import pyarrow.parquet as pq

from ivs.domain.ids import BatchKey, path_for_id
from ivs.domain.settings import Settings

__all__ = [
    "decisions_as_matched",
    "decisions_digest",
    "index_of",
    "legacy_work_decisions_path",
    "rule_set_of",
    "stored_decisions",
    "unchanged_by_commit",
    "whole_and_kept",
    "with_candidate_lists",
    "with_provenance",
    "work_decisions_path",
    "write_unpublished",
    "write_work_decisions",
]


def work_decisions_path(settings: Settings, key: BatchKey, manifest_digest: str) -> Path:
    """``$IVS_HOME/work/AGENCY/BATCH_ID/decisions.arrow``. Working decisions kept before
    batches were known by their agency (``work/BATCH_ID/decisions.arrow``) are moved there
    when they are this very batch's (its manifest digest), and left alone otherwise."""
    # Arrow IPC, read by this program alone: with the candidate lists it is written in a sixth
    # of Parquet's time.
    work = Path(settings.home) / "work"
    path = key.folder(work) / "decisions.arrow"
    unscoped = legacy_work_decisions_path(settings, key.batch_id)
    if not path.exists() and decisions_digest(unscoped) == manifest_digest:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old, new in (
            (unscoped, path),
            (unscoped.with_suffix(".parquet"), path.with_suffix(".parquet")),
        ):
            if old.is_file():
                old.replace(new)
    return path


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


def legacy_work_decisions_path(settings: Settings, batch_id: str) -> Path:
    """Where working decisions were kept while batch ids were one namespace for all
    agencies."""
    return path_for_id(Path(settings.home) / "work", batch_id, "/decisions.arrow")


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


def write_work_decisions(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    # Compressed in the calling thread (one beside the commit, at its lower priority), not
    # in Arrow's pool.
    options = pa.ipc.IpcWriteOptions(compression="zstd", use_threads=False)
    with (
        pa.OSFile(str(partial), "wb") as sink,
        pa.ipc.new_file(sink, table.schema, options=options) as writer,
    ):
        writer.write_table(table)
    partial.replace(path)


def whole_and_kept(decided: pa.Table, lists: Future[pa.Array], work_path: Path) -> pa.Table:
    """The decisions table with its candidate lists, once they are read, kept as the working
    decisions file. Not needed before the commit: a run stopped before it is written matches
    again, to the same decisions, and resumes after what was committed."""
    whole = with_candidate_lists(decided, lists.result())
    write_work_decisions(whole, work_path)
    return whole


def decisions_as_matched(whole: Future[pa.Table], path: Path) -> Path:
    """The decisions file as matched, unpublished beside ``path`` (see write_unpublished)."""
    return write_unpublished(whole.result().drop_columns(["request_state"]), path)


def stored_decisions(path: Path, digest: str) -> pa.Table | None:
    """The working decisions at ``path`` if they are the batch with manifest ``digest``."""
    # Working decisions stored as Parquet, before they were Arrow IPC, are read as well.
    legacy = path.with_suffix(".parquet")
    if path.is_file():
        with pa.OSFile(str(path), "rb") as source:
            table = pa.ipc.open_file(source).read_all()
    elif legacy.is_file():
        table = pq.read_table(legacy)
    else:
        return None
    metadata = table.schema.metadata or {}
    if metadata.get(b"ivs.manifest_digest") != digest.encode():
        return None
    return table
