"""The sections every report shares, each computed from a :class:`LedgerView` alone.

Counting is done on Arrow columns (a batch's decisions are a million rows at scale); the
few entries of other kinds are plain records. Each section states its totals under stable
keys, draws its chart and gives the table behind it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from statistics import median, quantiles
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ivs.domain.codes import REJECTION_CODES, DecisionCode, Outcome
from ivs.domain.pilot import PilotChange, pilot_in_force
from ivs.ledger.entries import EntryKind
from ivs.report import charts
from ivs.report.document import Cell, Figure, Section, Table, Total
from ivs.report.source import LedgerView, Record

__all__ = [
    "OUTCOMES",
    "HoldsInScope",
    "counterfactual_section",
    "holds_section",
    "outcome_counts",
    "outcomes_section",
    "pilot_status",
    "reviews_section",
    "scores_section",
    "states_section",
]

OUTCOMES = (Outcome.DISCLOSED.value, Outcome.NOT_DISCLOSED.value, Outcome.REJECTED.value)
_MICRO = 1_000_000

# Chart labels for the internal decision codes (the full rule is in `ivs explain`).
_DECISION_MEANING: dict[str, str] = {
    DecisionCode.MATCHED: "one taxpayer matches name and address to the unit, nothing "
    "contradicts, match probability at or above the disclosure threshold",
    DecisionCode.NO_CANDIDATE: "no taxpayer at the address, by TIN or by date of birth",
    DecisionCode.NAME_MISMATCH: "no taxpayer found has the request's name",
    DecisionCode.ADDRESS_MISMATCH: "a name matches but no address of record matches to the unit",
    DecisionCode.AMBIGUOUS: "a second taxpayer matches as well",
    DecisionCode.TIN_CONFLICT: "the matching taxpayer has another TIN than the request gives",
    DecisionCode.DOB_CONFLICT: "the matching taxpayer has another date of birth",
    DecisionCode.BELOW_THRESHOLD: "the match probability is below the review threshold",
    DecisionCode.REVIEW: "the match probability is between the review and disclosure "
    "thresholds: a reviewer decides",
    DecisionCode.RESTRICTED: "the taxpayer's record is restricted",
    DecisionCode.HELD: "a court hold in force at the moment of disclosure covers the record",
}
_DECISION_BASIS = "26 U.S.C. 6103(i)(2)(A): disclosure only of the taxpayer named in the request"


def outcome_counts(decisions: pa.Table) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for row in pc.value_counts(decisions.column("outcome")).to_pylist():
        counts[str(row["values"])] = int(row["counts"])
    return counts


def _code_counts(decisions: pa.Table) -> list[tuple[str, str, int]]:
    grouped = decisions.group_by(["outcome", "code"]).aggregate([("i", "count")]).to_pylist()
    rank = {o: k for k, o in enumerate(OUTCOMES)}
    rows = [(str(r["outcome"]), str(r["code"]), int(r["i_count"])) for r in grouped]
    return sorted(rows, key=lambda r: (rank.get(r[0], 9), -r[2], r[1]))


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "—"


def outcomes_section(view: LedgerView) -> Section:
    """Outcomes by code, rejection reasons with their statutory basis."""
    decisions = view.decisions
    total = decisions.num_rows
    outcomes = outcome_counts(decisions)
    codes = _code_counts(decisions)
    section = Section(
        "Outcomes by reason",
        paragraphs=[
            "Each request record has exactly one recorded decision (a record_decision entry). "
            "A REJECTED record was refused at intake for a reason in the request itself; a "
            "NOT_DISCLOSED record passed intake but did not meet the disclosure rules; only "
            "DISCLOSED records carried an address."
        ],
        totals=[
            Total("requests", "request records decided", total),
            *(Total(f"outcome.{o}", o.replace("_", " ").lower(), outcomes[o]) for o in OUTCOMES),
        ],
    )
    if not codes:
        section.paragraphs.append("No decision is recorded in this report's scope.")
        return section
    rows: list[tuple[Cell, ...]] = []
    for outcome, code, count in codes:
        known = REJECTION_CODES.get(code)
        meaning = known.meaning if known else _DECISION_MEANING.get(code, "")
        basis = known.basis if known else (_DECISION_BASIS if outcome != "REJECTED" else "")
        rows.append((outcome, code, count, _share(count, total), meaning, basis))
    labels = [f"{code}" for _, code, _ in codes]
    stacks = {o: [n if out == o else 0 for out, _, n in codes] for o in OUTCOMES}
    stacks = {o: v for o, v in stacks.items() if any(v)}
    section.figures.append(
        Figure(
            charts.stacked_bars(labels, stacks, xlabel="records", colors=charts.COLORS),
            f"Records by decision code, coloured by outcome ({total:,} records). Rejection "
            "codes name what the request lacked; the table gives each code's meaning and "
            "statutory basis.",
            Table(("outcome", "code", "records", "share", "meaning", "statutory basis"), rows),
        )
    )
    return section


def _bins(micros: pa.Array, low: int, width: int, count: int) -> list[int]:
    """Counts of ``micros`` (probabilities in millionths) in ``count`` bins from ``low``."""
    inside = micros.filter(pc.greater_equal(micros, low))
    index = pc.min_element_wise(pc.divide(pc.subtract(inside, low), width), count - 1)
    counts = [0] * count
    for row in pc.value_counts(index).to_pylist():
        counts[int(row["values"])] = int(row["counts"])
    return counts


def scores_section(view: LedgerView, disclosure: float, review: float) -> Section:
    """The best candidate's match probability per record, thresholds drawn."""
    scores = view.decisions.column("score").drop_null()
    micros = pc.cast(pc.round(pc.multiply(scores, _MICRO)), pa.int64()).combine_chunks()
    at_disclosure = int(pc.sum(pc.greater_equal(scores, disclosure)).as_py() or 0)
    at_review = int(pc.sum(pc.greater_equal(scores, review)).as_py() or 0)
    section = Section(
        "Match scores",
        paragraphs=[
            "The match probability of each record's best candidate, as recorded with its "
            "decision (records rejected at intake, or with no candidate, have none). A record "
            f"at or above the disclosure threshold ({disclosure:g}) may be disclosed if every "
            f"other rule holds; from the review threshold ({review:g}) up to it, a reviewer "
            "decides. Thresholds are drawn as currently configured; each decision names the "
            "rule set it was made under."
        ],
        totals=[
            Total("scores.scored", "records with a scored candidate", len(scores)),
            Total("scores.at_disclosure", f"at or above {disclosure:g}", at_disclosure),
            Total(
                "scores.review_band",
                f"from {review:g} to below {disclosure:g}",
                at_review - at_disclosure,
            ),
            Total("scores.below_review", f"below {review:g}", len(scores) - at_review),
        ],
    )
    if len(scores) == 0:
        return section
    width, zoom_low, zoom_width = _MICRO // 50, 900_000, 1_000
    counts = _bins(micros, 0, width, 50)
    zoom = _bins(micros, zoom_low, zoom_width, 100)
    edges = [k * width / _MICRO for k in range(51)]
    zoom_edges = [(zoom_low + k * zoom_width) / _MICRO for k in range(101)]
    rows: list[tuple[Cell, ...]] = [
        (f"{a:.2f}", f"{b:.2f}", n)
        for a, b, n in zip(edges[:-1], edges[1:], counts, strict=True)
        if n
    ]
    rows += [
        (f"{a:.3f}", f"{b:.3f}", n)
        for a, b, n in zip(zoom_edges[:-1], zoom_edges[1:], zoom, strict=True)
        if n
    ]
    section.figures.append(
        Figure(
            charts.histogram(
                edges,
                counts,
                thresholds=[(disclosure, "disclosure"), (review, "review")],
                zoom_edges=zoom_edges,
                zoom_counts=zoom,
            ),
            f"Distribution of the best candidate's match probability over {len(scores):,} "
            "scored records: left, the whole range in bins of 0.02; right, 0.9 to 1 in bins "
            "of 0.001, where the thresholds (dashed) lie. Bins include their lower edge; the "
            "last includes 1.",
            Table(
                ("from", "below", "records"),
                rows,
                title="Non-empty bins: whole range (0.02), then 0.9 to 1 (0.001)",
            ),
        )
    )
    return section


def _parse_at(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def reviews_section(view: LedgerView, reviews: Sequence[Record]) -> Section:
    """Cases sent to review in scope, reviewers' decisions, and how long they took."""
    sent = view.decisions.filter(pc.equal(view.decisions.column("code"), DecisionCode.REVIEW))
    # A record is known by its batch's agency and id, and its request id.
    sent_at = {
        (g, b, r): a
        for g, b, r, a in zip(
            sent.column("agency").to_pylist(),
            sent.column("batch_id").to_pylist(),
            sent.column("request_id").to_pylist(),
            sent.column("at").to_pylist(),
            strict=True,
        )
    }

    def record(r: Record) -> tuple[str, str, str]:
        return (str(r.get("agency")), str(r["batch_id"]), str(r["request_id"]))

    ever = {record(r) for r in view.ever(EntryKind.REVIEW_DECISION)}
    pending = sum(1 for key in sent_at if key not in ever)
    disclosed_keys = zip(
        view.disclosures.column("agency").to_pylist(),
        view.disclosures.column("batch_id").to_pylist(),
        view.disclosures.column("request_id").to_pylist(),
        strict=True,
    )
    released = sum(1 for key in disclosed_keys if key in sent_at)
    decided = Counter(str(r["decision"]) for r in reviews)
    hours = sorted(
        (_parse_at(r["at"]) - sent_at[record(r)]).total_seconds() / 3600
        for r in reviews
        if record(r) in sent_at
    )
    section = Section(
        "Review",
        paragraphs=[
            "Records whose match probability fell between the thresholds went to a reviewer, "
            "whose decision is itself on the ledger (review_decision). An approved record is "
            "disclosed when its supplement is released, with a disclosure entry of its own "
            "(counted here, and among the batch's disclosure entries, though its recorded "
            "decision stays NOT_DISCLOSED with code REVIEW). Turnaround runs from the recorded "
            "decision to the reviewer's."
        ],
        totals=[
            Total("reviews.sent", "records sent to review", sent.num_rows),
            Total("reviews.decided", "reviewer decisions", len(reviews)),
            *(
                Total(f"reviews.{name}", f"decided: {name}", decided[name])
                for name in sorted(decided)
            ),
            Total("reviews.pending", "sent and not yet decided", pending),
            Total("reviews.disclosed", "disclosed after review", released),
        ],
    )
    if not hours:
        section.paragraphs.append("No reviewer decision on a record in scope is recorded.")
        return section
    bounds = [1, 4, 8, 24, 48, 72, 168]
    labels = ["< 1 h", "1–4 h", "4–8 h", "8–24 h", "1–2 d", "2–3 d", "3–7 d", "≥ 7 d"]
    counts = [0] * len(labels)
    for h in hours:
        counts[sum(1 for b in bounds if h >= b)] += 1
    summary: list[tuple[Cell, ...]] = [
        ("median", round(median(hours), 2)),
        ("90th percentile", round(quantiles(hours, n=10)[-1], 2) if len(hours) > 1 else hours[0]),
        ("longest", round(hours[-1], 2)),
    ]
    section.figures.append(
        Figure(
            charts.stacked_bars(labels, {"reviews": counts}, xlabel="reviewer decisions"),
            f"Time from the recorded decision to the reviewer's, for {len(hours):,} reviewed "
            "records.",
            Table(("turnaround", "reviewer decisions"), list(zip(labels, counts, strict=True))),
        )
    )
    section.tables.append(Table(("turnaround", "hours"), summary, title="Turnaround"))
    return section


def pilot_status(changes: Iterable[Record], day: date) -> dict[str, str] | None:
    """Per state, how the pilot covers it on ``day``; None when no pilot was ever set."""
    history = [
        PilotChange(
            str(c["action"]), str(c["state"]), c["zip3"], date.fromisoformat(c["effective"])
        )
        for c in changes
    ]
    enabled = pilot_in_force(history, day)
    if enabled is None:
        return None
    status: dict[str, list[str]] = {}
    for jurisdiction in enabled:
        status.setdefault(jurisdiction.state, []).append(jurisdiction.zip3 or "")
    return {
        state: "whole state" if "" in parts else "ZIP3 " + ", ".join(sorted(parts))
        for state, parts in status.items()
    }


def states_section(view: LedgerView, pilot_day: date) -> Section:
    """Outcomes by the request's state, with the pilot jurisdictions in force."""
    grouped = view.decisions.group_by(["state", "outcome"]).aggregate([("i", "count")])
    table: dict[str, dict[str, int]] = {}
    for row in grouped.to_pylist():
        state = row["state"] or "(none)"
        table.setdefault(state, dict.fromkeys(OUTCOMES, 0))[str(row["outcome"])] = int(
            row["i_count"]
        )
    pilot = pilot_status(view.ever(EntryKind.PILOT_CHANGED), pilot_day)
    ordered = sorted(table.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    rows: list[tuple[Cell, ...]] = [
        (
            state,
            sum(counts.values()),
            *(counts[o] for o in OUTCOMES),
            "all (no pilot set)" if pilot is None else pilot.get(state, "no"),
        )
        for state, counts in ordered
    ]
    pilot_note = (
        "No pilot was ever configured, so every jurisdiction was enabled."
        if pilot is None
        else f"Pilot jurisdictions in force on {pilot_day.isoformat()}: "
        + (", ".join(f"{s} ({v})" for s, v in sorted(pilot.items())) or "none")
        + "."
    )
    section = Section(
        "By state and pilot jurisdiction",
        paragraphs=[
            "Outcomes by the state of the request's address (the requester's, not the "
            "taxpayer's). " + pilot_note
        ],
        totals=[Total("states.count", "states with requests", len(table))],
    )
    if not rows:
        return section
    shown = ordered[:25]
    section.figures.append(
        Figure(
            charts.stacked_bars(
                [s for s, _ in shown],
                {o: [c[o] for _, c in shown] for o in OUTCOMES},
                xlabel="records",
                colors=charts.COLORS,
            ),
            "Records by the request's state and outcome"
            + (
                f" (the {len(shown)} states with most requests; the table has all)"
                if len(ordered) > len(shown)
                else ""
            )
            + ".",
            Table(("state", "records", *OUTCOMES, "pilot"), rows),
        )
    )
    return section


_CF_KEYS = ("disclosed", "on_rejected_requests", "not_lawful", "wrong_person")


def counterfactual_section(completed: Sequence[Record]) -> Section:
    """What the 2025 TIN-only rule would have disclosed on the same batches."""
    sums: Counter[str] = Counter()
    ours = 0
    known_wrong = False
    for record in completed:
        facts: Mapping[str, Any] = record.get("counterfactual") or {}
        for key in _CF_KEYS:
            sums[key] += int(facts.get(key, 0))
        known_wrong = known_wrong or "wrong_person" in facts
        ours += int((record.get("outcomes") or {}).get(Outcome.DISCLOSED.value, 0))
    with_cf = [r for r in completed if r.get("counterfactual")]
    same = sums["disclosed"] - sums["not_lawful"]
    other_unlawful = sums["not_lawful"] - sums["on_rejected_requests"]
    section = Section(
        "The 2025 rule on the same requests",
        paragraphs=[
            "When each batch completed, the ledger recorded what the 2025 process (disclose the "
            "last known address whenever the request's name and TIN match a taxpayer, with no "
            "intake) would have disclosed on it, and how much of that the law's rules do not "
            "allow: disclosures on requests refused at intake, and disclosures where this "
            "system did not disclose that taxpayer to that request."
            + ("" if with_cf else " No completed batch in scope carries this comparison.")
        ],
        totals=[
            Total("counterfactual.batches", "completed batches compared", len(with_cf)),
            Total("counterfactual.ours", "addresses this system disclosed", ours),
            Total(
                "counterfactual.disclosed", "the 2025 rule would have disclosed", sums["disclosed"]
            ),
            Total("counterfactual.not_lawful", "of which not lawful", sums["not_lawful"]),
            Total(
                "counterfactual.on_rejected_requests",
                "on requests refused at intake",
                sums["on_rejected_requests"],
            ),
        ]
        + (
            [Total("counterfactual.wrong_person", "to the wrong person", sums["wrong_person"])]
            if known_wrong
            else []
        ),
    )
    if not with_cf:
        return section
    parts = {
        "lawful": [ours, same],
        "not lawful: request refused at intake": [0, sums["on_rejected_requests"]],
        "not lawful: other": [0, other_unlawful],
    }
    colors = dict(
        zip(
            parts,
            (charts.COLORS["lawful"], charts.COLORS["unlawful"], charts.COLORS["other"]),
            strict=True,
        )
    )
    rows: list[tuple[Cell, ...]] = [
        ("this system (the law's rules)", ours, ours, 0, 0),
        (
            "2025 TIN-only rule",
            sums["disclosed"],
            same,
            sums["on_rejected_requests"],
            other_unlawful,
        ),
    ]
    section.figures.append(
        Figure(
            charts.grouped_stacks(["this system", "2025 TIN-only rule"], parts, colors),
            "Addresses disclosed on the same "
            + ("batch" if len(with_cf) == 1 else f"{len(with_cf):,} batches")
            + " by this system, and by the 2025 rule split into what the law allows (the "
            "disclosures this system made as well) and what it does not.",
            Table(
                (
                    "policy",
                    "disclosed",
                    "lawful",
                    "not lawful: refused at intake",
                    "not lawful: other",
                ),
                rows,
            ),
        )
    )
    return section


@dataclass(frozen=True)
class HoldsInScope:
    """The holds, recall notices, incidents and certifications one report speaks of: those
    touching a batch, or those of a period."""

    holds: Sequence[Record]
    lifts: Sequence[Record]  # the lifts known, looked up by hold id
    recalls: Sequence[Record]
    recalled: Mapping[str, int]  # notice id -> disclosures it recalls within the scope
    incidents: Sequence[Record]
    certified: Sequence[Record]  # the certifications counted in the scope
    certifications: Sequence[Record]  # the certifications known, looked up by notice id


_HOLD_COLUMNS = ("hold", "scope", "authority", "placed", "lifted", "reason")
_RECALL_COLUMNS = (
    "notice",
    "recipient",
    "scope",
    "order",
    "disclosures",
    "certify by",
    "certified",
)
_INCIDENT_COLUMNS = ("incident", "notice", "unauthorized disclosures", "reported", "report sha-256")


def holds_section(
    title: str,
    scope: HoldsInScope,
    *,
    hold_totals: Sequence[Total],
    paragraphs: Sequence[str] = (),
    in_the_period: bool = False,
) -> Section:
    """Court holds, recall notices, incident reports and certifications of destruction: the
    one section the batch and period reports share, differing only in what ``scope`` holds
    and in how the holds are counted (``hold_totals``)."""
    lifted_at = {r["hold_id"]: r["at"] for r in scope.lifts}
    certified_on = {r["notice_id"]: r["certified_on"] for r in scope.certifications}
    section = Section(
        title,
        paragraphs=list(paragraphs),
        totals=[
            *hold_totals,
            Total("recalls.notices", "recall notices", len(scope.recalls)),
            Total("recalls.disclosures", "disclosures recalled", sum(scope.recalled.values())),
            Total("incidents.reported", "incident reports", len(scope.incidents)),
            Total(
                "incidents.unauthorized",
                "unauthorized disclosures reported",
                sum(int(r["unauthorized_disclosures"]) for r in scope.incidents),
            ),
            Total("recalls.certified", "destructions certified", len(scope.certified)),
        ],
    )
    holds: list[tuple[Cell, ...]] = [
        (
            r["hold_id"],
            r["scope"],
            r["authority"],
            r["at"],
            lifted_at.get(r["hold_id"]),
            r["reason"],
        )
        for r in scope.holds
    ]
    recalls: list[tuple[Cell, ...]] = [
        (
            r["notice_id"],
            r["recipient_agency"],
            r["scope"],
            r["order"],
            scope.recalled[r["notice_id"]],
            r["certify_by"],
            certified_on.get(r["notice_id"]),
        )
        for r in scope.recalls
    ]
    incidents: list[tuple[Cell, ...]] = [
        (
            r["incident_id"],
            r["notice_id"],
            int(r["unauthorized_disclosures"]),
            r["at"],
            r["report_sha256"],
        )
        for r in scope.incidents
    ]
    section.tables += [
        Table(
            _HOLD_COLUMNS, holds, title="Holds placed in the period" if in_the_period else "Holds"
        ),
        Table(
            _RECALL_COLUMNS,
            recalls,
            title="Recall notices issued in the period" if in_the_period else "Recall notices",
        ),
        Table(_INCIDENT_COLUMNS, incidents, title="Incident reports"),
    ]
    return section
