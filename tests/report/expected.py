"""Every total a report states, computed again from ``ivs ledger export`` with plain Python.

Deliberately shares no code with ``ivs.report``: entries are read line by line from the
JSONL export, and the root is recomputed here from the entry bytes (RFC 9162).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

DISCLOSURE, REVIEW = 0.999, 0.95
OUTCOMES = ("DISCLOSED", "NOT_DISCLOSED", "REJECTED")
Entry = dict[str, Any]


def read_export(path: Path) -> list[Entry]:
    """The entries, each with ``i``, ``kind``, ``at`` and the body's fields."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        data = row["entry"].encode("utf-8")
        assert hashlib.sha256(b"\x00" + data).hexdigest() == row["leaf_hash"]
        entry = json.loads(data)
        out.append({"i": entry["i"], "kind": entry["kind"], "at": entry["at"], **entry["body"]})
    return out


def tree_root(path: Path) -> str:
    """RFC 9162 Merkle tree hash of the exported entries."""
    leaves = [
        hashlib.sha256(b"\x00" + json.loads(line)["entry"].encode("utf-8")).digest()
        for line in path.read_text(encoding="utf-8").splitlines()
    ]

    def mth(items: list[bytes]) -> bytes:
        if not items:
            return hashlib.sha256(b"").digest()
        if len(items) == 1:
            return items[0]
        k = 1
        while k * 2 < len(items):
            k *= 2
        return hashlib.sha256(b"\x01" + mth(items[:k]) + mth(items[k:])).digest()

    return mth(leaves).hex()


class _Totals(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, int] = {}
        self.basis: dict[str, str] = {}
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        named = dict(attrs)
        self._key = named.get("data-total")
        for name in ("data-ledger-size", "data-ledger-root", "data-signed-size"):
            if named.get(name):
                self.basis[name] = str(named[name])

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            self.found[self._key] = int(data.replace(",", ""))
            self._key = None


def report_totals(html: str) -> tuple[dict[str, int], dict[str, str]]:
    """The ``data-total`` numbers of a report page, and what it says it was computed from."""
    parser = _Totals()
    parser.feed(html)
    return parser.found, parser.basis


def _of(entries: list[Entry], kind: str) -> list[Entry]:
    return [e for e in entries if e["kind"] == kind]


def _decision_totals(
    decisions: list[Entry], disclosures: list[Entry], reviews: list[Entry], everything: list[Entry]
) -> dict[str, int]:
    outcomes = Counter(d["outcome"] for d in decisions)
    scores = [float(d["score"]) for d in decisions if d["score"] is not None]
    sent = {(d["batch_id"], d["request_id"]) for d in decisions if d["code"] == "REVIEW"}
    reviewed = {(r["batch_id"], r["request_id"]) for r in _of(everything, "review_decision")}
    totals = {
        "requests": len(decisions),
        **{f"outcome.{o}": outcomes[o] for o in OUTCOMES},
        "scores.scored": len(scores),
        "scores.at_disclosure": sum(s >= DISCLOSURE for s in scores),
        "scores.review_band": sum(REVIEW <= s < DISCLOSURE for s in scores),
        "scores.below_review": sum(s < REVIEW for s in scores),
        "reviews.sent": len(sent),
        "reviews.decided": len(reviews),
        "reviews.pending": len(sent - reviewed),
        "reviews.disclosed": sum((d["batch_id"], d["request_id"]) in sent for d in disclosures),
        "states.count": len({d["state"] for d in decisions}),
    }
    totals.update({f"reviews.{k}": v for k, v in Counter(r["decision"] for r in reviews).items()})
    return totals


def _counterfactual(completed: list[Entry]) -> dict[str, int]:
    facts = [c["counterfactual"] for c in completed if c["counterfactual"]]
    totals = {
        "counterfactual.batches": len(facts),
        "counterfactual.ours": sum(c["outcomes"].get("DISCLOSED", 0) for c in completed),
    }
    for key in ("disclosed", "not_lawful", "on_rejected_requests"):
        totals[f"counterfactual.{key}"] = sum(f.get(key, 0) for f in facts)
    if any("wrong_person" in f for f in facts):
        totals["counterfactual.wrong_person"] = sum(f.get("wrong_person", 0) for f in facts)
    return totals


def batch_totals(entries: list[Entry], batch_id: str) -> dict[str, int]:
    mine = [e for e in entries if e.get("batch_id") == batch_id]
    received = _of(mine, "batch_received")[0]
    decisions = _of(mine, "record_decision")
    disclosures = _of(mine, "disclosure")
    # Holds in force while the batch was decided, over its scope.
    first, last = min(d["at"] for d in decisions), max(d["at"] for d in decisions)
    lifted = {h["hold_id"]: h["at"] for h in _of(entries, "hold_lifted")}
    states = {d["state"] for d in decisions if d["state"]}
    touching = [
        h
        for h in _of(entries, "hold_placed")
        if (
            h["scope"] in ("all", f"batch:{batch_id}", f"agency:{received['requesting_agency']}")
            or (h["scope"].startswith("state:") and h["scope"][6:] in states)
        )
        and h["at"] <= last
        and (h["hold_id"] not in lifted or lifted[h["hold_id"]] > first)
    ]
    mine_indexes = {d["i"] for d in disclosures}
    recalls = [
        r
        for r in _of(entries, "recall_issued")
        if mine_indexes & set(r["disclosure_entries"]) or r["scope"] == f"batch:{batch_id}"
    ]
    notices = {r["notice_id"] for r in recalls}
    incidents = [i for i in _of(entries, "incident_reported") if i["notice_id"] in notices]
    return {
        "batch.records": received["record_count"],
        "batch.decisions": len(decisions),
        "batch.disclosures": len(disclosures),
        "batch.released": len(_of(mine, "response_released")),
        "batch.fetched": len(_of(mine, "response_fetched")),
        "batch.duplicates": len(_of(mine, "duplicate_submission")),
        **_decision_totals(decisions, disclosures, _of(mine, "review_decision"), entries),
        "holds.held_records": sum(d["code"] == "HELD" for d in decisions),
        "holds.touching": len(touching),
        "recalls.notices": len(recalls),
        "recalls.disclosures": sum(
            len(mine_indexes & set(r["disclosure_entries"])) for r in recalls
        ),
        "incidents.reported": len(incidents),
        "incidents.unauthorized": sum(i["unauthorized_disclosures"] for i in incidents),
        "recalls.certified": sum(
            c["notice_id"] in notices for c in _of(entries, "destruction_certified")
        ),
        **_counterfactual(_of(mine, "batch_completed")),
    }


def period_totals(entries: list[Entry], start: str, end: str) -> dict[str, int]:
    """``start`` and ``end`` are ISO days; the period includes both."""
    inside = [e for e in entries if start <= e["at"][:10] <= end]
    decisions = _of(inside, "record_decision")
    recalls = _of(inside, "recall_issued")
    incidents = _of(inside, "incident_reported")
    return {
        "period.requests": len(decisions),
        "period.disclosures": len(_of(inside, "disclosure")),
        "period.rejected": sum(d["outcome"] == "REJECTED" for d in decisions),
        "period.batches_received": len(_of(inside, "batch_received")),
        "period.batches_refused": len(_of(inside, "batch_refused")),
        "period.batches_quarantined": len(_of(inside, "batch_quarantined")),
        "period.recalls": len(recalls),
        "period.incidents": len(incidents),
        **_decision_totals(
            decisions, _of(inside, "disclosure"), _of(inside, "review_decision"), entries
        ),
        "holds.placed": len(_of(inside, "hold_placed")),
        "holds.lifted": len(_of(inside, "hold_lifted")),
        "recalls.notices": len(recalls),
        "recalls.disclosures": sum(len(r["disclosure_entries"]) for r in recalls),
        "incidents.reported": len(incidents),
        "incidents.unauthorized": sum(i["unauthorized_disclosures"] for i in incidents),
        "recalls.certified": len(_of(inside, "destruction_certified")),
        **_counterfactual(_of(inside, "batch_completed")),
    }


def annual_totals(entries: list[Entry], year: int) -> dict[str, int]:
    inside = [e for e in entries if e["at"].startswith(f"{year}-")]
    decisions = _of(inside, "record_decision")
    disclosures = _of(inside, "disclosure")
    outcomes = Counter(d["outcome"] for d in decisions)
    return {
        "annual.batches": len(_of(inside, "batch_received")),
        "annual.requests_received": sum(r["record_count"] for r in _of(inside, "batch_received")),
        "annual.requests_decided": len(decisions),
        **{f"annual.outcome.{o}": outcomes[o] for o in OUTCOMES},
        "annual.disclosures": len(disclosures),
        "annual.taxpayers": len({d["tin"] for d in disclosures}),
        "annual.batches_refused": len(_of(inside, "batch_refused")),
        "annual.batches_quarantined": len(_of(inside, "batch_quarantined")),
        "annual.recalls": len(_of(inside, "recall_issued")),
        "annual.incidents": len(_of(inside, "incident_reported")),
        "requests": len(decisions),
        **{f"outcome.{o}": outcomes[o] for o in OUTCOMES},
        **_counterfactual(_of(inside, "batch_completed")),
    }


def annual_table(entries: list[Entry], year: int) -> dict[tuple[str, str], tuple[int, ...]]:
    """(agency, statute) -> batches, requests received, decided, disclosed, not disclosed,
    rejected, disclosure entries, taxpayers."""
    inside = [e for e in entries if e["at"].startswith(f"{year}-")]
    agency_of = {
        r["batch_id"]: (r["requesting_agency"], r["statute"])
        for r in _of(entries, "batch_received")
    }
    rows: dict[tuple[str, str], list[Any]] = {}

    def row(key: tuple[str, str]) -> list[Any]:
        return rows.setdefault(key, [0, 0, 0, 0, 0, 0, 0, set()])

    for r in _of(inside, "batch_received"):
        row((r["requesting_agency"], r["statute"]))[0] += 1
        row((r["requesting_agency"], r["statute"]))[1] += r["record_count"]
    for d in _of(inside, "record_decision"):
        counts = row(agency_of[d["batch_id"]])
        counts[2] += 1
        counts[3 + OUTCOMES.index(d["outcome"])] += 1
    for d in _of(inside, "disclosure"):
        counts = row((d["recipient_agency"], d["statute"]))
        counts[6] += 1
        counts[7].add(d["tin"])
    return {k: (*v[:7], len(v[7])) for k, v in rows.items()}
