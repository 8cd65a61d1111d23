"""Recalls: the disclosures already made in a scope, a notice to each recipient to sequester
or destroy them, the recipient's certification of destruction, and (where the disclosures
may have been unauthorized) the incident report owed within 24 hours to the Inspector
General and the Office of Safeguards, counting each disclosure as a separate act.

Everything is found in the committed records (``batch_records``, which point at the ledger
entries) and every notice, report and certification is itself put on the ledger.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from ivs.disclose.holds import HoldScope, list_holds
from ivs.domain.errors import ConfigError, Conflict, NotFound
from ivs.domain.ids import BatchKey, path_for_id
from ivs.ledger.entries import destruction_certified, incident_reported, instant, recall_issued
from ivs.ledger.log import Ledger
from ivs.store.disclosure_tables import batch_records, recalls
from ivs.store.schema import batch_is, batches

__all__ = [
    "DisclosureRecord",
    "Notice",
    "RecallScope",
    "certify_destruction",
    "disclosures_in_scope",
    "issue_recall",
    "list_notices",
    "recall_scope",
]


@dataclass(frozen=True, slots=True)
class RecallScope:
    """Which disclosures a recall covers; fields left None do not narrow it."""

    description: str
    hold: HoldScope | None = None
    rule_set: str | None = None
    batch: BatchKey | None = None
    since: str | None = None  # UTC instant, as the ledger writes it


def recall_scope(
    conn: sa.Connection,
    *,
    hold_id: str | None = None,
    where: str | None = None,
    batch: BatchKey | None = None,
    since: date | None = None,
) -> RecallScope:
    """The scope of ``ivs recall --hold ID | --where rule_set=HASH | --batch ID | --since D``."""
    if not any((hold_id, where, batch, since)):
        raise ConfigError("a recall needs a scope: --hold, --where, --batch or --since")
    parts: list[str] = []
    hold_scope = None
    if hold_id is not None:
        found = [h for h in list_holds(conn) if h.hold_id == hold_id]
        if not found:
            raise NotFound(f"no hold {hold_id!r}; `ivs hold list` shows every hold")
        hold_scope = found[0].scope
        parts.append(f"hold {hold_id} ({hold_scope}; {found[0].order})")
    rule_set = None
    if where is not None:
        matched = re.fullmatch(r"\s*rule_set\s*=\s*([0-9a-f]{6,64})\s*", where)
        if matched is None:
            raise ConfigError(
                f"--where {where!r} is not understood; write rule_set=HASH (at least six hex "
                "digits of the rule set, as `ivs run` prints it)"
            )
        rule_set = matched.group(1)
        parts.append(f"rule set {rule_set}")
    if batch is not None:
        parts.append(f"batch {batch}")
    stamp = None
    if since is not None:
        stamp = instant(datetime(since.year, since.month, since.day, tzinfo=UTC))
        parts.append(f"since {since.isoformat()}")
    return RecallScope("; ".join(parts), hold_scope, rule_set, batch, stamp)


@dataclass(frozen=True, slots=True)
class DisclosureRecord:
    batch_id: str
    request_id: str
    agency: str
    disclosure_entry: int
    decided_at: str


def disclosures_in_scope(conn: sa.Connection, scope: RecallScope) -> list[DisclosureRecord]:
    query = (
        sa.select(
            batch_records.c.batch_id,
            batch_records.c.request_id,
            batches.c.requesting_agency,
            batch_records.c.disclosure_entry,
            batch_records.c.decided_at,
        )
        .join(
            batches,
            sa.and_(
                batches.c.requesting_agency == batch_records.c.agency,
                batches.c.batch_id == batch_records.c.batch_id,
            ),
        )
        .where(batch_records.c.disclosure_entry.is_not(None))
        .order_by(batch_records.c.disclosure_entry)
    )
    hold = scope.hold
    if hold is not None and hold.kind == "agency":
        query = query.where(batches.c.requesting_agency == hold.value)
    elif hold is not None and hold.kind == "batch":
        query = query.where(batch_records.c.batch_id == hold.value)
    elif hold is not None and hold.kind == "state":
        query = query.where(batch_records.c.request_state == hold.value)
    if scope.rule_set is not None:
        query = query.where(batches.c.rule_set.like(scope.rule_set + "%"))
    if scope.batch is not None:
        query = query.where(batch_is(batch_records, scope.batch))
    if scope.since is not None:
        query = query.where(batch_records.c.decided_at >= scope.since)
    return [
        DisclosureRecord(str(r[0]), str(r[1]), str(r[2]), int(r[3]), str(r[4]))
        for r in conn.execute(query).all()
    ]


@dataclass(frozen=True, slots=True)
class Notice:
    notice_id: str
    recipient_agency: str
    disclosures: int
    certify_by: str
    path: Path
    incident_id: str | None
    incident_path: Path | None
    certified_on: str | None = None
    certified_by: str | None = None


def _next_id(conn: sa.Connection, prefix: str, column: sa.Column[str]) -> str:
    count = conn.execute(
        sa.select(sa.func.count()).select_from(recalls).where(column.like(prefix + "%"))
    ).scalar_one()
    return f"{prefix}{int(count) + 1:04d}"


def _write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
    return hashlib.sha256(data).hexdigest()


def _notice_text(
    notice_id: str,
    agency: str,
    *,
    scope: RecallScope,
    order: str,
    found: list[DisclosureRecord],
    certify_by: str,
) -> str:
    document = {
        "notice": notice_id,
        "to": agency,
        "under": order,
        "scope": scope.description,
        "action": (
            "Sequester at once and destroy the returns information listed below, received "
            "from the tax agency; certify destruction in writing"
        ),
        "certify_by": certify_by,
        "records": [
            {
                "batch_id": d.batch_id,
                "request_id": d.request_id,
                "disclosed_at": d.decided_at,
                "ledger_entry": d.disclosure_entry,
            }
            for d in found
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _incident_text(
    incident_id: str,
    notice_id: str,
    *,
    agency: str,
    order: str,
    found: list[DisclosureRecord],
    at: datetime,
) -> str:
    lines = [
        f"INCIDENT REPORT {incident_id}  (recall notice {notice_id})",
        f"Reported: {instant(at)}; due to the Treasury Inspector General for Tax "
        "Administration and the IRS Office of Safeguards within 24 hours of discovery.",
        f"Recipient agency: {agency}",
        f"Basis: {order}",
        f"Possibly unauthorized disclosures: {len(found)}, each a separate disclosure "
        "(26 U.S.C. 7213, 7431).",
        "",
        "ledger_entry  batch_id  request_id  disclosed_at",
    ]
    lines += [f"{d.disclosure_entry}  {d.batch_id}  {d.request_id}  {d.decided_at}" for d in found]
    return "\n".join(lines) + "\n"


def issue_recall(
    store: sa.Engine,
    ledger: Ledger,
    scope: RecallScope,
    *,
    order: str,
    out_dir: Path,
    issued_by: str,
    certify_days: int,
    incident: bool,
    now: datetime | None = None,
) -> list[Notice]:
    """One notice per recipient agency for the disclosures in ``scope``; with ``incident``,
    also the incident report for each. Returns the notices (none if nothing is in scope)."""
    if not order.strip():
        raise ConfigError("a recall needs the order or finding it rests on, in --order")
    at = now or datetime.now(UTC)
    certify_by = (at.date() + timedelta(days=certify_days)).isoformat()
    notices: list[Notice] = []
    with store.begin() as conn:
        ledger.lock(conn)
        by_agency: dict[str, list[DisclosureRecord]] = defaultdict(list)
        for record in disclosures_in_scope(conn, scope):
            by_agency[record.agency].append(record)
        for agency, found in sorted(by_agency.items()):
            notice_id = _next_id(conn, f"RN-{at.year}-", recalls.c.notice_id)
            path = path_for_id(out_dir, notice_id, ".recall-notice.json", kind="notice id")
            _write(
                path,
                _notice_text(
                    notice_id, agency, scope=scope, order=order, found=found, certify_by=certify_by
                ),
            )
            ledger.append(
                [
                    recall_issued(
                        at=at,
                        notice_id=notice_id,
                        recipient_agency=agency,
                        scope=scope.description,
                        order=order,
                        disclosure_entries=[d.disclosure_entry for d in found],
                        certify_by=certify_by,
                        issued_by=issued_by,
                    )
                ],
                conn,
            )
            incident_id = incident_path = None
            if incident:
                incident_id = f"IR-{notice_id[3:]}"
                incident_path = path_for_id(
                    out_dir, incident_id, ".incident-report.txt", kind="incident id"
                )
                digest = _write(
                    incident_path,
                    _incident_text(
                        incident_id, notice_id, agency=agency, order=order, found=found, at=at
                    ),
                )
                ledger.append(
                    [
                        incident_reported(
                            at=at,
                            incident_id=incident_id,
                            notice_id=notice_id,
                            unauthorized_disclosures=len(found),
                            report_sha256=digest,
                            reported_by=issued_by,
                        )
                    ],
                    conn,
                )
            conn.execute(
                recalls.insert().values(
                    notice_id=notice_id,
                    recipient_agency=agency,
                    scope=scope.description,
                    order_text=order,
                    disclosures=len(found),
                    issued_at=instant(at),
                    issued_by=issued_by,
                    certify_by=certify_by,
                    notice_path=str(path),
                    incident_id=incident_id,
                )
            )
            notices.append(
                Notice(notice_id, agency, len(found), certify_by, path, incident_id, incident_path)
            )
    return notices


def _notice(row: sa.Row[tuple[object, ...]]) -> Notice:
    m = row._mapping
    return Notice(
        notice_id=str(m["notice_id"]),
        recipient_agency=str(m["recipient_agency"]),
        disclosures=int(str(m["disclosures"])),
        certify_by=str(m["certify_by"]),
        path=Path(str(m["notice_path"])),
        incident_id=None if m["incident_id"] is None else str(m["incident_id"]),
        incident_path=None,
        certified_on=None if m["certified_on"] is None else str(m["certified_on"]),
        certified_by=None if m["certified_by"] is None else str(m["certified_by"]),
    )


def list_notices(conn: sa.Connection) -> list[Notice]:
    return [_notice(r) for r in conn.execute(sa.select(recalls).order_by(recalls.c.issued_at))]


def certify_destruction(
    store: sa.Engine,
    ledger: Ledger,
    notice_id: str,
    *,
    by: str,
    on: date,
    now: datetime | None = None,
) -> Notice:
    """Record the recipient's certification that the recalled records were destroyed."""
    at = now or datetime.now(UTC)
    with store.begin() as conn:
        ledger.lock(conn)
        row = conn.execute(sa.select(recalls).where(recalls.c.notice_id == notice_id)).first()
        if row is None:
            raise NotFound(f"no recall notice {notice_id!r}; `ivs recall list` shows them")
        if row.certified_on is not None:
            raise Conflict(f"notice {notice_id} was already certified on {row.certified_on}")
        ledger.append(
            [
                destruction_certified(
                    at=at, notice_id=notice_id, certified_by=by, certified_on=on.isoformat()
                )
            ],
            conn,
        )
        conn.execute(
            recalls.update()
            .where(recalls.c.notice_id == notice_id)
            .values(certified_on=on.isoformat(), certified_by=by)
        )
        return _notice(
            conn.execute(sa.select(recalls).where(recalls.c.notice_id == notice_id)).one()
        )
