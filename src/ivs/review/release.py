"""Supplement responses: the review decisions of a batch not yet sent to the requester.

A supplement has the columns of formats.md §3 and leaves as a response package,
``BATCH_ID.supplement-N.package.zip`` (``disclose/package.py``): encrypted to the recipients
the batch's manifest names, signed, with the proof of its release. It carries only the cases
decided since the previous supplement: approved ones DISCLOSED with the taxpayer's last known
address from the index the batch was matched against, refused ones NOT_DISCLOSED (never saying
why, as the main response). N counts the batch's supplements from 1. No recipient with a valid
key: nothing is released (Conflict), the cases wait.

The package is written inside the transaction that records the release, so a release is
either recorded with its file in place or not recorded at all (and then simply run again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ivs.disclose.package import Sealed, delivery_record, package_path
from ivs.domain.codes import Outcome
from ivs.domain.errors import Conflict, NotFound
from ivs.domain.ids import BatchKey
from ivs.domain.schema import ADDRESS_FIELDS, RESPONSE_COLUMNS
from ivs.formats.response import response_bytes
from ivs.review.inputs import claim_answer_folder
from ivs.review.queue import CaseStatus, ensure_review_tables
from ivs.store.review_tables import review_cases, review_releases
from ivs.store.schema import batch_is

__all__ = ["Release", "ReleaseLedger", "release_batch", "supplement_path"]


@dataclass(frozen=True, slots=True)
class Release:
    agency: str
    batch_id: str
    number: int
    path: Path
    response_sha256: str
    case_ids: tuple[int, ...]
    disclosed: int
    not_disclosed: int
    released_at: str
    released_by: str


class ReleaseLedger(Protocol):
    """The accounting of a supplement, on the connection that records it: which approved
    cases a hold in force keeps back (they wait for a later supplement), the supplement
    encrypted to the batch's recipients, the entries for the disclosures and the release
    (returning the release's entry), and the package of that release, written."""

    def held_case_ids(self, conn: sa.Connection, key: BatchKey, cases: list[Any]) -> set[int]: ...

    def seal_supplement(self, conn: sa.Connection, key: BatchKey, plaintext: bytes) -> Sealed: ...

    def append_review_release(
        self,
        conn: sa.Connection,
        release: Release,
        supplement: pa.Table,
        tins: list[str | None],
        delivery: dict[str, Any],
    ) -> int: ...

    def write_supplement_package(
        self, conn: sa.Connection, release: Release, sealed: Sealed, release_entry: int
    ) -> None: ...


def supplement_path(out_dir: Path, batch_id: str, number: int) -> Path:
    return package_path(out_dir, batch_id, number)


def _last_known(index: Path, tins: list[str]) -> dict[str, dict[str, Any]]:
    if not tins:
        return {}
    table = pq.read_table(
        index / "last_known.parquet",
        columns=["tin", *ADDRESS_FIELDS],
        filters=pc.field("tin").isin(tins),
    )
    return {r["tin"]: r for r in table.to_pylist()}


def _supplement(cases: list[Any], index: Path) -> pa.Table:
    approved = [c.tin for c in cases if c.status == CaseStatus.APPROVED]
    addresses = _last_known(index, approved)
    missing = sorted(set(approved) - set(addresses))
    if missing:
        raise NotFound(
            f"{len(missing)} approved taxpayer(s) have no last known address in the index "
            f"{index}: it is not the index the batch was matched against; pass --master"
        )
    rows = []
    for case in cases:
        row: dict[str, Any] = {"request_id": case.request_id}
        if case.status == CaseStatus.APPROVED:
            row["outcome"] = Outcome.DISCLOSED.value
            row.update({k: addresses[case.tin][k] for k in ADDRESS_FIELDS})
        else:
            row["outcome"] = Outcome.NOT_DISCLOSED.value
            row.update(dict.fromkeys(ADDRESS_FIELDS))
        row["rejection_reason"] = None
        # The batch's response already named the record's advisories; a supplement answers
        # only the reviewed question.
        row["advisories"] = None
        rows.append(row)
    schema = pa.schema([(c, pa.string()) for c in RESPONSE_COLUMNS])
    return pa.Table.from_pylist(rows, schema=schema)


def _claim_supplement(conn: sa.Connection, key: BatchKey, out_dir: Path, path: Path) -> None:
    """Refuse a supplement whose file would replace another agency's: the folder answers
    another agency's batch of the same id, or holds that batch's supplement of this number
    (files are named after the id alone)."""
    claim_answer_folder(out_dir, key)
    holder = conn.execute(
        sa.select(review_releases.c.agency)
        .where(review_releases.c.path == str(path.resolve()))
        .where(review_releases.c.agency != key.agency)
    ).scalar()
    if holder is not None:
        raise Conflict(
            f"{path} is the supplement of batch {key.batch_id} of {holder}; the batch "
            f"{key.batch_id} of {key.agency} is another batch, and its supplement would replace "
            "it. Release it into a folder of its own (another --out)"
        )


def release_batch(
    engine: sa.Engine,
    key: BatchKey,
    out_dir: Path,
    *,
    index: Path,
    released_by: str,
    now: datetime,
    ledger: ReleaseLedger,
) -> Release:
    """Write the next supplement of the batch ``key`` and record it; Conflict if nothing is
    new, or no recipient of the batch has a valid key."""
    batch_id = key.batch_id
    ensure_review_tables(engine)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with engine.begin() as conn:
            cases = list(
                conn.execute(
                    sa.select(review_cases)
                    .where(batch_is(review_cases, key))
                    .where(review_cases.c.status != CaseStatus.OPEN)
                    .where(review_cases.c.release_number.is_(None))
                    .order_by(review_cases.c.row)
                )
            )
            # Checked at the moment of disclosure: held approvals stay unreleased.
            held = ledger.held_case_ids(conn, key, cases)
            cases = [c for c in cases if int(c.case_id) not in held]
            if not cases:
                raise Conflict(
                    f"batch {batch_id} has no review decisions to release since its last "
                    "release (or a hold in force covers them); decide cases with "
                    "`ivs review decide` first, or wait for the hold to be lifted"
                )
            last = conn.execute(
                sa.select(sa.func.max(review_releases.c.number)).where(
                    batch_is(review_releases, key)
                )
            ).scalar()
            number = int(last or 0) + 1
            path = supplement_path(out_dir, batch_id, number)
            _claim_supplement(conn, key, out_dir, path)
            table = _supplement(cases, index)
            sealed = ledger.seal_supplement(conn, key, response_bytes(table))
            disclosed = sum(1 for c in cases if c.status == CaseStatus.APPROVED)
            release = Release(
                agency=key.agency,
                batch_id=batch_id,
                number=number,
                path=path,
                response_sha256=sealed.plaintext_sha256,
                case_ids=tuple(int(c.case_id) for c in cases),
                disclosed=disclosed,
                not_disclosed=len(cases) - disclosed,
                released_at=now.isoformat(timespec="seconds"),
                released_by=released_by,
            )
            conn.execute(
                review_releases.insert().values(
                    agency=key.agency,
                    batch_id=batch_id,
                    number=number,
                    released_at=release.released_at,
                    released_by=released_by,
                    path=str(path.resolve()),
                    response_sha256=release.response_sha256,
                    disclosed=release.disclosed,
                    not_disclosed=release.not_disclosed,
                )
            )
            conn.execute(
                review_cases.update()
                .where(review_cases.c.case_id.in_(release.case_ids))
                .values(release_number=number)
            )
            tins = [c.tin if c.status == CaseStatus.APPROVED else None for c in cases]
            entry = ledger.append_review_release(
                conn, release, table, tins, delivery_record(sealed, number)
            )
            # Written last, so that any failure above leaves neither file nor record.
            ledger.write_supplement_package(conn, release, sealed, entry)
    except IntegrityError as e:
        raise Conflict(
            f"batch {batch_id}: another release was recorded at the same time; run it again"
        ) from e
    return release
