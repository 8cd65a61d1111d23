"""Retention: working data and response files are destroyed after the configured period;
each purge is on the record. The ledger and the store's accounting rows are never purged.

Purged, per batch finished by the cutoff: the working decisions under
``$IVS_HOME/work/AGENCY/BATCH_ID`` (or, kept unsealed before batches were known by their
agency, ``$IVS_HOME/work/BATCH_ID/decisions.arrow`` when it is this batch's); the batch's key
``$IVS_HOME/keys/batches/AGENCY/BATCH_ID.key``, which sealed its working files
(crypto-shredding: a copy of them anywhere, a backup, a block the file system did not
overwrite, can no longer be read); and, in the folder the batch was answered into, its
packages, plaintext responses, decisions, inputs and supplement files. A purged batch
can no longer be answered again (``ivs run`` says so); its accounting is unaffected.

Every path purged is named by ``ivs.domain.ids.path_for_id``: inside ``$IVS_HOME/work`` or the
batch's answer folder, never elsewhere. A batch stored before ids were checked whose id or
agency is not an identifier (``..``, ``/tmp/x``, ``a/b``) names no path: its files are left
alone, the batch is reported as skipped at every purge (its ``purged_at`` stays empty, so the
record never says it was purged), and the operator removes them by hand.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from ivs.batch.decisions_file import WorkDecisions, decisions_digest
from ivs.disclose.batch_keys import batch_key_path, destroy_batch_key
from ivs.domain.ids import BatchKey, is_identifier, path_for_id
from ivs.domain.settings import Settings
from ivs.ledger.entries import instant, purge
from ivs.ledger.log import Ledger
from ivs.store.schema import batch_is, batches

__all__ = ["PurgeResult", "purge_working_data"]


@dataclass(frozen=True, slots=True)
class PurgeResult:
    cutoff: str
    batches: list[BatchKey]
    files: int
    # Due, but stored under an id that names no path: nothing of theirs was touched.
    skipped: list[str] = field(default_factory=list)


def _batch_files(out_dir: Path, batch_id: str) -> list[Path]:
    suffixes = (".response.csv", ".package.zip", ".decisions.parquet", ".inputs.json")
    found = [path_for_id(out_dir, batch_id, suffix) for suffix in suffixes]
    # The id holds no glob character (the identifier pattern), so this matches its own files.
    supplements = sorted(out_dir.glob(f"{batch_id}.supplement-*.response.csv")) + sorted(
        out_dir.glob(f"{batch_id}.supplement-*.package.zip")
    )
    return [p for p in found if p.is_file() and not p.is_symlink()] + supplements


def _unscoped_work_files(settings: Settings, key: BatchKey, digest: str) -> list[Path]:
    """The batch's working decisions where they were kept before batches were known by their
    agency, if they are this batch's (its manifest digest; another agency's batch of the same
    id may be the one that left them)."""
    arrow = WorkDecisions.of(settings, key).legacy_path
    if decisions_digest(arrow) != digest:
        return []
    return [p for p in (arrow, arrow.with_suffix(".parquet")) if p.is_file()]


def purge_working_data(
    settings: Settings,
    ledger: Ledger,
    *,
    older_than_days: int | None = None,
    purged_by: str,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PurgeResult:
    """Destroy the working data of batches finished more than the retention period ago."""
    at = now or datetime.now(UTC)
    days = older_than_days if older_than_days is not None else settings.retention_days
    cutoff = (at - timedelta(days=days)).isoformat(timespec="seconds")
    store = ledger.store
    with store.connect() as conn:
        due = conn.execute(
            sa.select(
                batches.c.requesting_agency,
                batches.c.batch_id,
                batches.c.out_dir,
                batches.c.manifest_digest,
            )
            .where(batches.c.finished_at.is_not(None))
            # Finish times are recorded to the second: one in the cutoff's own second counts
            # as finished by it (`--older-than 0` purges every finished batch, however recent).
            .where(batches.c.finished_at <= cutoff)
            .where(batches.c.purged_at.is_(None))
            .order_by(batches.c.requesting_agency, batches.c.batch_id)
        ).all()
    targets: list[Path] = []
    keys: list[BatchKey] = []
    purged: list[BatchKey] = []
    skipped: list[str] = []
    for agency, batch_id, out_dir, digest in due:
        if not (is_identifier(batch_id) and is_identifier(agency)):
            skipped.append(str(batch_id))
            continue
        key = BatchKey(agency, batch_id)
        purged.append(key)
        work = key.folder(Path(settings.home) / "work")
        if work.is_dir() and not work.is_symlink():
            targets.append(work)
        targets += _unscoped_work_files(settings, key, digest)
        if batch_key_path(Path(settings.home), key).is_file():
            keys.append(key)
        if out_dir:
            targets += _batch_files(Path(str(out_dir)), batch_id)
    if dry_run or not purged:
        return PurgeResult(cutoff, purged, len(targets) + len(keys), skipped)
    with store.begin() as conn:
        ledger.lock(conn)
        # On the record first: if destruction is interrupted, the entry already says it was
        # due, and the next purge finds the rest (purged_at set only for these batches).
        ledger.append(
            [
                purge(
                    at=at,
                    what=(
                        "working data and response files of batches "
                        f"{', '.join(f'{k.agency}/{k.batch_id}' for k in purged)}; the keys "
                        "sealing the working data of "
                        f"{', '.join(f'{k.agency}/{k.batch_id}' for k in keys) or 'none'} "
                        "destroyed"
                    ),
                    before=cutoff,
                    items=len(targets) + len(keys),
                    purged_by=purged_by,
                )
            ],
            conn,
        )
        for key in purged:
            conn.execute(
                batches.update().where(batch_is(batches, key)).values(purged_at=instant(at))
            )
        # The keys first: once they are gone, nothing they sealed can be read again.
        for key in keys:
            destroy_batch_key(Path(settings.home), key)
        for target in targets:
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
    return PurgeResult(cutoff, purged, len(targets) + len(keys), skipped)
