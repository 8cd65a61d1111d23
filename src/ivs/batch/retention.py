"""Retention: working data and response files are destroyed after the configured period;
each purge is on the record. The ledger and the store's accounting rows are never purged.

Purged, per batch finished before the cutoff: the working decisions under
``$IVS_HOME/work/BATCH_ID`` and, in the folder the batch was answered into, its response,
decisions, inputs and supplement files. A purged batch can no longer be answered again
(``ivs run`` says so); its accounting is unaffected.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from ivs.domain.settings import Settings
from ivs.ledger.entries import instant, purge
from ivs.ledger.log import Ledger
from ivs.store.schema import batches

__all__ = ["PurgeResult", "purge_working_data"]


@dataclass(frozen=True, slots=True)
class PurgeResult:
    cutoff: str
    batches: list[str]
    files: int


def _batch_files(out_dir: Path, batch_id: str) -> list[Path]:
    names = [f"{batch_id}.response.csv", f"{batch_id}.decisions.parquet", f"{batch_id}.inputs.json"]
    found = [out_dir / name for name in names if (out_dir / name).is_file()]
    return found + sorted(out_dir.glob(f"{batch_id}.supplement-*.response.csv"))


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
            sa.select(batches.c.batch_id, batches.c.out_dir)
            .where(batches.c.finished_at.is_not(None))
            .where(batches.c.finished_at < cutoff)
            .where(batches.c.purged_at.is_(None))
            .order_by(batches.c.batch_id)
        ).all()
    targets: list[Path] = []
    for batch_id, out_dir in due:
        work = Path(settings.home) / "work" / str(batch_id)
        if work.is_dir():
            targets.append(work)
        if out_dir:
            targets += _batch_files(Path(str(out_dir)), str(batch_id))
    purged = [str(r[0]) for r in due]
    if dry_run or not purged:
        return PurgeResult(cutoff, purged, len(targets))
    with store.begin() as conn:
        ledger.lock(conn)
        # On the record first: if destruction is interrupted, the entry already says it was
        # due, and the next purge finds the rest (purged_at set only for these batches).
        ledger.append(
            [
                purge(
                    at=at,
                    what=f"working data and response files of batches {', '.join(purged)}",
                    before=cutoff,
                    items=len(targets),
                    purged_by=purged_by,
                )
            ],
            conn,
        )
        conn.execute(
            batches.update().where(batches.c.batch_id.in_(purged)).values(purged_at=instant(at))
        )
        for target in targets:
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
    return PurgeResult(cutoff, purged, len(targets))
