"""The three reports: one batch, a period (weekly), and the annual table for the JCT.

Each reads one snapshot of the ledger (:func:`ivs.report.source.read_view`) and nothing
else, so its numbers are the ledger's, and states the size and root it was computed from.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from ivs.domain.codes import DecisionCode, Outcome
from ivs.domain.errors import ConfigError
from ivs.domain.holds import parse_scope
from ivs.domain.settings import Settings
from ivs.ledger.entries import EntryKind
from ivs.ledger.log import Ledger
from ivs.report import charts
from ivs.report.document import Cell, Figure, Report, Section, Table, Total
from ivs.report.sections import (
    OUTCOMES,
    HoldsInScope,
    counterfactual_section,
    holds_section,
    outcome_counts,
    outcomes_section,
    reviews_section,
    scores_section,
    states_section,
)
from ivs.report.source import LedgerView, Record, Scope, read_view

__all__ = ["AnnualRow", "annual_report", "annual_rows", "batch_report", "period_report"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _day(at: str) -> date:
    return date.fromisoformat(at[:10])


def _holds_and_recalls_batch(view: LedgerView, batch_id: str, agency: str) -> Section:
    decisions = view.decisions
    states = {s for s in decisions.column("state").unique().to_pylist() if s}
    times = decisions.column("at")
    first = pc.min(times).as_py() if decisions.num_rows else None
    last = pc.max(times).as_py() if decisions.num_rows else None
    lifted_at = {r["hold_id"]: r["at"] for r in view.ever(EntryKind.HOLD_LIFTED)}
    touching = []
    for hold in view.ever(EntryKind.HOLD_PLACED):
        if not parse_scope(hold["scope"]).covers(agency=agency, batch_id=batch_id, states=states):
            continue
        placed = datetime.fromisoformat(hold["at"].replace("Z", "+00:00"))
        lift = lifted_at.get(hold["hold_id"])
        ended = datetime.fromisoformat(lift.replace("Z", "+00:00")) if lift else None
        # In force at some moment while the batch's records were being decided.
        if (
            first is not None
            and last is not None
            and placed <= last
            and (ended is None or ended > first)
        ):
            touching.append(hold)
    lifts = [
        r
        for r in view.ever(EntryKind.HOLD_LIFTED)
        if r["hold_id"] in {h["hold_id"] for h in touching}
    ]
    held = int(pc.sum(pc.equal(decisions.column("code"), DecisionCode.HELD)).as_py() or 0)
    batch_entries = set(view.disclosures.column("i").to_pylist())
    recalls, counted = [], {}
    for recall in view.ever(EntryKind.RECALL_ISSUED):
        hit = sum(1 for i in recall["disclosure_entries"] if i in batch_entries)
        if hit or recall["scope"] == f"batch:{batch_id}":
            recalls.append(recall)
            counted[recall["notice_id"]] = hit
    notices = set(counted)
    certified = [r for r in view.ever(EntryKind.DESTRUCTION_CERTIFIED) if r["notice_id"] in notices]
    return holds_section(
        "Holds and recalls",
        HoldsInScope(
            holds=touching,
            lifts=lifts,
            recalls=recalls,
            recalled=counted,
            incidents=[
                r for r in view.ever(EntryKind.INCIDENT_REPORTED) if r["notice_id"] in notices
            ],
            certified=certified,
            certifications=certified,
        ),
        hold_totals=[
            Total("holds.held_records", "records withheld by a hold", held),
            Total("holds.touching", "holds in force over the batch", len(touching)),
        ],
        paragraphs=[
            "Court holds whose scope covers this batch (all, its agency, the batch, or a state "
            "among its requests) and that were in force while its records were decided; recall "
            "notices for disclosures made in this batch, the incidents reported on them and "
            "the recipients' certifications of destruction."
        ],
    )


def batch_report(
    ledger: Ledger, batch_id: str, settings: Settings, *, agency: str | None = None
) -> Report:
    """Everything the ledger says about one batch: the batch ``batch_id`` of ``agency``, or of
    the one agency that sent a batch of that id (``InvalidRequest`` naming the agencies when
    several did)."""
    view = read_view(ledger, Scope(batch_id=batch_id, agency=agency))
    agency = str(view.scope.agency)

    def mine(kind: EntryKind) -> list[Record]:
        return [
            r
            for r in view.ever(kind)
            if r.get("batch_id") == batch_id and r.get("agency") == agency
        ]

    received = mine(EntryKind.BATCH_RECEIVED)[0]

    completed = mine(EntryKind.BATCH_COMPLETED)
    outcomes = outcome_counts(view.decisions)
    rule_sets = sorted({str(r["rule_set"]) for r in completed})
    facts = [
        ("requesting agency", agency),
        ("statute", str(received["statute"])),
        ("purpose", str(received.get("purpose") or "—")),
        ("tax periods", ", ".join(received["tax_periods"])),
        (
            "recipients",
            "; ".join(f"{p['name']}, {p['title']}, {p['office']}" for p in received["recipients"]),
        ),
        ("received", str(received["at"])),
        ("completed", ", ".join(r["at"] for r in completed) or "not completed"),
        ("rule set", ", ".join(rule_sets) or "—"),
    ]
    summary = Section(
        "The batch",
        paragraphs=[
            f"Batch {batch_id} from {agency} under {received['statute']}: "
            f"{int(received['record_count']):,} request records on its signed manifest, "
            f"{view.decisions.num_rows:,} decisions recorded."
        ],
        totals=[
            Total("batch.records", "records on the manifest", int(received["record_count"])),
            Total("batch.decisions", "decisions recorded", view.decisions.num_rows),
            Total("batch.disclosures", "disclosure entries", view.disclosures.num_rows),
            Total("batch.released", "responses released", len(mine(EntryKind.RESPONSE_RELEASED))),
            Total("batch.fetched", "responses fetched", len(mine(EntryKind.RESPONSE_FETCHED))),
            Total(
                "batch.duplicates",
                "duplicate submissions",
                len(mine(EntryKind.DUPLICATE_SUBMISSION)),
            ),
        ],
    )
    if (
        view.decisions.num_rows
        != outcomes[Outcome.DISCLOSED]
        + outcomes[Outcome.NOT_DISCLOSED]
        + outcomes[Outcome.REJECTED]
    ):
        summary.paragraphs.append("Some decisions carry an outcome outside the contract's three.")
    sections = [
        summary,
        outcomes_section(view),
        scores_section(view, settings.disclosure_threshold, settings.review_threshold),
        reviews_section(view, mine(EntryKind.REVIEW_DECISION)),
        _holds_and_recalls_batch(view, batch_id, agency),
        states_section(view, _day(received["at"])),
        counterfactual_section(completed),
    ]
    return Report(
        title=f"Batch {batch_id}",
        subtitle="Oversight report of one request batch under 26 U.S.C. 6103(i)(2), from the "
        "accounting ledger (6103(p)(3)).",
        basis=view.basis,
        generated_at=_now(),
        sections=sections,
        facts=facts,
    )


# --- over time -------------------------------------------------------------------------------


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weeks(first: date, last: date) -> list[date]:
    start, weeks = _week(first), []
    while start <= last:
        weeks.append(start)
        if date.max - start < timedelta(days=7):  # the calendar's last week
            break
        start += timedelta(days=7)
    return weeks


def _per_week(at: pa.ChunkedArray | pa.Array) -> Counter[date]:
    if len(at) == 0:
        return Counter()
    weeks = pc.floor_temporal(at, unit="week", week_starts_monday=True)
    return Counter(
        {r["values"].date(): int(r["counts"]) for r in pc.value_counts(weeks).to_pylist()}
    )


def _records_per_week(records: Sequence[Record]) -> Counter[date]:
    return Counter(_week(_day(r["at"])) for r in records)


# A weekly series is read at a glance for up to ten years; longer periods are annual reports.
MAX_PERIOD_DAYS = 3_653


def _check_period(first: date, last: date) -> None:
    if last < first:
        raise ConfigError(
            f"the period ends ({last}) before it starts ({first}); give --from before --to."
        )
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise ConfigError(
            f"the period from {first} to {last} is longer than ten years; a weekly report of "
            "it would not be readable. Ask for ten years or less, or for annual reports."
        )


def period_report(ledger: Ledger, first: date, last: date, settings: Settings) -> Report:
    """The ledger's entries from ``first`` to ``last`` (UTC days, inclusive), week by week."""
    _check_period(first, last)
    view = read_view(ledger, Scope.days(first, last))
    decisions = view.decisions
    rejected = decisions.filter(pc.equal(decisions.column("outcome"), Outcome.REJECTED.value))
    series: dict[str, Counter[date]] = {
        "requests decided": _per_week(decisions.column("at")),
        "disclosures": _per_week(view.disclosures.column("at")),
        "rejected requests": _per_week(rejected.column("at")),
        "batches received": _records_per_week(view.of(EntryKind.BATCH_RECEIVED)),
        "batches refused": _records_per_week(view.of(EntryKind.BATCH_REFUSED)),
        "batches quarantined": _records_per_week(view.of(EntryKind.BATCH_QUARANTINED)),
        "recall notices": _records_per_week(view.of(EntryKind.RECALL_ISSUED)),
        "incidents": _records_per_week(view.of(EntryKind.INCIDENT_REPORTED)),
    }
    keys = {
        "requests decided": "period.requests",
        "disclosures": "period.disclosures",
        "rejected requests": "period.rejected",
        "batches received": "period.batches_received",
        "batches refused": "period.batches_refused",
        "batches quarantined": "period.batches_quarantined",
        "recall notices": "period.recalls",
        "incidents": "period.incidents",
    }
    weeks = _weeks(first, last)
    labels = [w.isoformat() for w in weeks]
    rows: list[tuple[Cell, ...]] = [
        (w.isoformat(), *(series[name][w] for name in series)) for w in weeks
    ]
    overview = Section(
        "Week by week",
        paragraphs=[
            "Requests decided (record_decision entries), disclosures (disclosure entries), "
            "requests rejected at intake, batches received, refused as a whole and "
            "quarantined, recall notices and incident reports, by the week (Monday to Sunday, "
            "UTC) of the entry's time. The first and last weeks may be partial: only days "
            f"from {first} to {last} count."
        ],
        totals=[Total(keys[name], name, sum(series[name].values())) for name in series],
    )
    shown = ("requests decided", "disclosures", "rejected requests")
    overview.figures.append(
        Figure(
            charts.time_series(
                labels, {n: [series[n][w] for w in weeks] for n in shown}, ylabel="records"
            ),
            "Requests decided, addresses disclosed and requests rejected at intake per week.",
            Table(("week from", *series), rows),
        )
    )
    events = (
        "batches received",
        "batches refused",
        "batches quarantined",
        "recall notices",
        "incidents",
    )
    overview.figures.append(
        Figure(
            charts.time_series(
                labels,
                {n: [series[n][w] for w in weeks] for n in events},
                ylabel="events",
                bars=True,
            ),
            "Batches received, refused and quarantined, recall notices and incident reports per "
            "week.",
            Table(
                ("week from", *events),
                [(w.isoformat(), *(series[n][w] for n in events)) for w in weeks],
            ),
        )
    )
    overview.tables.append(_batches_table(view))
    recalls = view.of(EntryKind.RECALL_ISSUED)
    placed, lifted = view.of(EntryKind.HOLD_PLACED), view.of(EntryKind.HOLD_LIFTED)
    period_holds = holds_section(
        "Holds, recalls and incidents",
        HoldsInScope(
            holds=placed,
            lifts=view.ever(EntryKind.HOLD_LIFTED),
            recalls=recalls,
            recalled={r["notice_id"]: len(r["disclosure_entries"]) for r in recalls},
            incidents=view.of(EntryKind.INCIDENT_REPORTED),
            certified=view.of(EntryKind.DESTRUCTION_CERTIFIED),
            certifications=view.ever(EntryKind.DESTRUCTION_CERTIFIED),
        ),
        hold_totals=[
            Total("holds.placed", "holds placed", len(placed)),
            Total("holds.lifted", "holds lifted", len(lifted)),
        ],
        in_the_period=True,
    )
    sections = [
        overview,
        outcomes_section(view),
        scores_section(view, settings.disclosure_threshold, settings.review_threshold),
        reviews_section(view, view.of(EntryKind.REVIEW_DECISION)),
        period_holds,
        states_section(view, last),
        counterfactual_section(view.of(EntryKind.BATCH_COMPLETED)),
    ]
    return Report(
        title=f"Period {first} to {last}",
        subtitle="Oversight report of requests and disclosures under 26 U.S.C. 6103(i)(2), "
        "week by week, from the accounting ledger (6103(p)(3)).",
        basis=view.basis,
        generated_at=_now(),
        sections=sections,
        facts=[("from", f"{first} 00:00 UTC"), ("to", f"{last} 24:00 UTC")],
    )


def _batch_keys(table: pa.Table) -> Counter[tuple[str, str]]:
    """Rows of ``table`` by batch: (agency, batch id)."""
    return Counter(
        zip(table.column("agency").to_pylist(), table.column("batch_id").to_pylist(), strict=True)
    )


def _batches_table(view: LedgerView) -> Table:
    decided = _batch_keys(view.decisions)
    disclosed = _batch_keys(view.disclosures)
    rows: list[tuple[Cell, ...]] = []
    for r in view.of(EntryKind.BATCH_RECEIVED):
        key = (r["requesting_agency"], r["batch_id"])
        rows.append(
            (
                r["batch_id"],
                r["requesting_agency"],
                r["statute"],
                r["at"],
                int(r["record_count"]),
                decided[key],
                disclosed[key],
            )
        )
    return Table(
        (
            "batch",
            "agency",
            "statute",
            "received",
            "records",
            "decided in period",
            "disclosed in period",
        ),
        rows,
        title="Batches received in the period",
    )


# --- annual ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnnualRow:
    """One line of the annual table: one requesting agency under one statute."""

    agency: str
    statute: str
    batches: int
    requests_received: int
    requests_decided: int
    disclosed: int
    not_disclosed: int
    rejected: int
    disclosures: int
    taxpayers: int


ANNUAL_COLUMNS = (
    "requesting agency",
    "statute",
    "batches received",
    "requests received",
    "requests decided",
    "disclosed",
    "not disclosed",
    "rejected",
    "disclosure entries",
    "taxpayers",
)


def annual_rows(view: LedgerView) -> list[AnnualRow]:
    """Requests and disclosures by requesting agency and statute."""
    by_batch = {
        (r["requesting_agency"], r["batch_id"]): (r["requesting_agency"], r["statute"])
        for r in view.ever(EntryKind.BATCH_RECEIVED)
    }
    batches: Counter[tuple[str, str]] = Counter()
    received: Counter[tuple[str, str]] = Counter()
    for r in view.of(EntryKind.BATCH_RECEIVED):
        key = (r["requesting_agency"], r["statute"])
        batches[key] += 1
        received[key] += int(r["record_count"])
    decided: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    grouped = view.decisions.group_by(["agency", "batch_id", "outcome"]).aggregate([("i", "count")])
    for row in grouped.to_pylist():
        key = by_batch.get((row["agency"], row["batch_id"]), ("(unknown batch)", "(unknown)"))
        decided[key][row["outcome"]] += int(row["i_count"])
    disclosures = view.disclosures
    entries: Counter[tuple[str, str]] = Counter()
    taxpayers: Counter[tuple[str, str]] = Counter()
    if disclosures.num_rows:
        counted = disclosures.group_by(["recipient_agency", "statute"]).aggregate(
            [("i", "count"), ("tin", "count_distinct")]
        )
        for row in counted.to_pylist():
            key = (row["recipient_agency"], row["statute"])
            entries[key] = int(row["i_count"])
            taxpayers[key] = int(row["tin_count_distinct"])
    keys = sorted(set(batches) | set(decided) | set(entries))
    return [
        AnnualRow(
            agency=k[0],
            statute=k[1],
            batches=batches[k],
            requests_received=received[k],
            requests_decided=sum(decided[k].values()),
            disclosed=decided[k][Outcome.DISCLOSED.value],
            not_disclosed=decided[k][Outcome.NOT_DISCLOSED.value],
            rejected=decided[k][Outcome.REJECTED.value],
            disclosures=entries[k],
            taxpayers=taxpayers[k],
        )
        for k in keys
    ]


def _annual_cells(row: AnnualRow) -> tuple[Cell, ...]:
    return (
        row.agency,
        row.statute,
        row.batches,
        row.requests_received,
        row.requests_decided,
        row.disclosed,
        row.not_disclosed,
        row.rejected,
        row.disclosures,
        row.taxpayers,
    )


def _per_month(at: pa.ChunkedArray | pa.Array) -> Counter[int]:
    if len(at) == 0:
        return Counter()
    return Counter(
        {int(r["values"]): int(r["counts"]) for r in pc.value_counts(pc.month(at)).to_pylist()}
    )


def annual_report(ledger: Ledger, year: int) -> tuple[Report, list[AnnualRow]]:
    """The annual table (JCT style) for calendar ``year`` (UTC), and its rows."""
    if not 1900 < year < 10000:
        raise ConfigError(f"--year {year} is not a calendar year")
    view = read_view(ledger, Scope.days(date(year, 1, 1), date(year, 12, 31)))
    rows = annual_rows(view)
    total_taxpayers = (
        len(pc.unique(view.disclosures.column("tin"))) if view.disclosures.num_rows else 0
    )
    outcomes = outcome_counts(view.decisions)
    table = Section(
        f"Requests and disclosures in {year}",
        paragraphs=[
            "By requesting agency and the statute its batches cited. Batches and requests "
            f"received count batches whose receipt was recorded in {year}; requests decided "
            f"and their outcomes count decisions recorded in {year}, attributed to the "
            "agency and statute of their batch; disclosure entries count disclosures recorded "
            f"in {year} by recipient agency and statute, and taxpayers the distinct TINs "
            "among them. Each disclosure is an accounting of 26 U.S.C. 6103(p)(3)(A)."
        ],
        totals=[
            Total("annual.batches", "batches received", sum(r.batches for r in rows)),
            Total(
                "annual.requests_received",
                "requests received",
                sum(r.requests_received for r in rows),
            ),
            Total("annual.requests_decided", "requests decided", view.decisions.num_rows),
            *(
                Total(f"annual.outcome.{o}", o.replace("_", " ").lower(), outcomes[o])
                for o in OUTCOMES
            ),
            Total("annual.disclosures", "disclosure entries", view.disclosures.num_rows),
            Total("annual.taxpayers", "distinct taxpayers disclosed", total_taxpayers),
            Total(
                "annual.batches_refused", "batches refused", len(view.of(EntryKind.BATCH_REFUSED))
            ),
            Total(
                "annual.batches_quarantined",
                "batches quarantined",
                len(view.of(EntryKind.BATCH_QUARANTINED)),
            ),
            Total("annual.recalls", "recall notices", len(view.of(EntryKind.RECALL_ISSUED))),
            Total(
                "annual.incidents", "incident reports", len(view.of(EntryKind.INCIDENT_REPORTED))
            ),
        ],
        tables=[
            Table(ANNUAL_COLUMNS, [_annual_cells(r) for r in rows], title=f"Calendar year {year}")
        ],
    )
    requests = _per_month(view.decisions.column("at"))
    disclosed = _per_month(view.disclosures.column("at"))
    months = [date(year, m, 1).strftime("%b") for m in range(1, 13)]
    table.figures.append(
        Figure(
            charts.time_series(
                months,
                {
                    "requests decided": [requests[m] for m in range(1, 13)],
                    "disclosures": [disclosed[m] for m in range(1, 13)],
                },
                ylabel="records",
            ),
            f"Requests decided and addresses disclosed per month of {year} (UTC).",
            Table(
                ("month", "requests decided", "disclosures"),
                [(months[m - 1], requests[m], disclosed[m]) for m in range(1, 13)],
            ),
        )
    )
    report = Report(
        title=f"Annual report {year}",
        subtitle="Disclosures of returns information under 26 U.S.C. 6103(i)(2), by requesting "
        "agency and statute, for the report to the Joint Committee on Taxation "
        "(6103(p)(3)(C)), from the accounting ledger.",
        basis=view.basis,
        generated_at=_now(),
        sections=[
            table,
            outcomes_section(view),
            counterfactual_section(view.of(EntryKind.BATCH_COMPLETED)),
        ],
    )
    return report, rows
