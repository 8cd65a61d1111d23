"""Why one request was decided as it was: the request beside each candidate, field by field.

The recorded decision (``BATCH_ID.decisions.parquet``) gives each candidate's comparison levels,
weight and blocking flags. What the levels were computed from is rebuilt by
``ivs.batch.explain_step`` through the run's own pipeline and engine: the request from the
signed records file, the taxpayer's standardized name and the address of record compared from
the master index the batch was run against, and the pair's levels recomputed, both to find
which address of record was compared and to show whether the index still agrees with the
decision. This module reads the recorded decision and the request, and composes what is shown.

Only what the comparison needs of the taxpayer is shown: the TIN masked to its last four digits,
the standardized name, the date of birth, the suffix and the one address of record compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ivs.domain.errors import Conflict, NotFound
from ivs.formats.manifest import Manifest, file_sha256, read_manifest
from ivs.formats.records import read_records
from ivs.match.comparisons import COMPARISONS, RULE_COMPARISONS
from ivs.match.model import MatchModel
from ivs.match.pipeline import BLOCKING_RULES
from ivs.review.decision_text import decision_text

__all__ = [
    "CandidateView",
    "ComparisonView",
    "Explanation",
    "decision_row",
    "explanation",
    "mask_tin",
    "request_record",
    "shown_candidates",
    "signed_manifest",
]

# Weights recomputed from the model may differ from the recorded ones in the last bits only.
_WEIGHT_TOLERANCE = 1e-6
_LEVELS = ("name", "address", "tin", "dob", "suffix", "middle")
# Compared for the rules, not weighted by the model: shown with a weight of 0.
_RULE_LEVELS = frozenset(c.name for c in RULE_COMPARISONS)


@dataclass(frozen=True, slots=True)
class ComparisonView:
    comparison: str
    request: str
    taxpayer: str
    level: str
    description: str
    weight: float


@dataclass(frozen=True, slots=True)
class CandidateView:
    tin: str  # masked
    rank: int  # 1 = highest match weight
    decided_on: bool  # the candidate the decision is about (best_tin)
    comparisons: tuple[ComparisonView, ...]
    prior_weight: float
    match_weight: float
    match_probability: float
    restricted: bool
    found_by: tuple[str, ...]
    index_agrees: bool  # recomputing the levels on the index gives the recorded ones
    # Restricted by the master's hygiene (kind master_defect), not under 6103(i)(6).
    withheld: bool = False


@dataclass(frozen=True, slots=True)
class Explanation:
    batch_id: str
    request_id: str
    row: int
    outcome: str
    decision_code: str
    decision_text: str
    rule_set: str
    request: dict[str, str]
    candidates: tuple[CandidateView, ...]
    candidates_total: int
    plausible: int
    match_probability: float | None
    match_weight: float | None
    runner_up_weight: float | None
    model_agrees: bool


def mask_tin(tin: str | None) -> str:
    """``***-**-1234``: enough to tell candidates apart, not to identify anyone."""
    if not tin:
        return "-"
    return f"***-**-{tin[-4:]}"


def _asked_dob(request: dict[str, Any]) -> str:
    """The request's date of birth; one set aside as implausible is shown as such (it counts
    only against a candidate)."""
    aside = request.get("dob_aside")
    if request.get("dob") is None and aside is not None:
        return f"{_text(aside)} (set aside: implausible)"
    return _text(request.get("dob"))


def _text(value: object) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def decision_row(decisions: Path, request_id: str) -> dict[str, Any]:
    """The recorded decision for ``request_id``; NotFound when the batch has no such request."""
    table = pq.read_table(decisions, filters=[("request_id", "=", request_id)])
    if table.num_rows == 0:
        raise NotFound(f"request {request_id!r} is not in {decisions.name}; check the request id")
    if table.num_rows > 1:
        # Duplicate ids are rejected at intake, but each row still has a decision; the first
        # is the one a caller names by id, and the caller can see the others by row.
        table = table.sort_by("_row").slice(0, 1)
    row: dict[str, Any] = table.to_pylist()[0]
    return row


def request_record(manifest: Manifest, row: int, request_id: str) -> pa.Table:
    """Row ``row`` of the batch's signed records file, which must be request ``request_id``."""
    if file_sha256(manifest.records_file) != manifest.records_sha256:
        raise Conflict(
            f"{manifest.records_file} no longer matches the hash its manifest signed; the "
            "request cannot be shown as it was received"
        )
    records = read_records(manifest.records_file)
    record = records.filter(pc.equal(records.column("_row"), row))
    if record.num_rows != 1 or record.column("request_id")[0].as_py() != request_id:
        raise Conflict(
            f"row {row} of {manifest.records_file.name} is not request {request_id!r}: the "
            "manifest given is not the batch these decisions are from"
        )
    return record


def _name(last: object, first: object) -> str:
    return f"{_text(last)}, {_text(first)}"


def _address(row: dict[str, Any], prefix: str = "addr_") -> str:
    line = _text(row.get(f"{prefix}line"))
    unit = row.get(f"{prefix}unit")
    place = " ".join(_text(row.get(f"{prefix}{part}")) for part in ("city", "state", "zip5"))
    return f"{line}{' ' + str(unit) if unit else ''}, {place}"


def _candidate(
    rank: int,
    recorded: dict[str, Any],
    found: dict[str, Any] | None,
    *,
    request: dict[str, Any],
    model: MatchModel,
    best_tin: str | None,
) -> CandidateView:
    tin = recorded["tin"]
    by_name = {c.name: c for c in (*COMPARISONS, *RULE_COMPARISONS)}
    values = {
        "name": (_name(request["name_last"], request["name_first"]), ""),
        "address": (_address(request), ""),
        "tin": (mask_tin(request.get("tin_norm")), mask_tin(tin)),
        "dob": (_asked_dob(request), ""),
        "suffix": (_text(request.get("name_suffix")), ""),
        "middle": (_text(request.get("name_middle")), ""),
    }
    if found is not None:
        values["name"] = (values["name"][0], _name(found["name_last"], found["name_first"]))
        values["dob"] = (values["dob"][0], _text(found["date_of_birth"]))
        values["suffix"] = (values["suffix"][0], _text(found["name_suffix"]))
        values["middle"] = (values["middle"][0], _text(found["name_middle"]))
    # Decisions recorded before a comparison existed have no level for it.
    shown_levels = [name for name in _LEVELS if recorded.get(f"{name}_level") is not None]
    comparisons = []
    for name in shown_levels:
        level = by_name[name].levels[int(recorded[f"{name}_level"])]
        shown = values[name][1] or "(not in the index)"
        if name == "address":
            # No address of record agrees: none is shown, as none was relevant to the match.
            shown = "(none agrees)" if level.label == "other" or found is None else _address(found)
        comparisons.append(
            ComparisonView(
                comparison=name,
                request=values[name][0],
                taxpayer=shown,
                level=level.label,
                description=level.description,
                weight=0.0 if name in _RULE_LEVELS else model.weight(name, level.label),
            )
        )
    agrees = found is not None and all(
        int(found[f"{n}_level"]) == int(recorded[f"{n}_level"]) for n in shown_levels
    )
    return CandidateView(
        tin=mask_tin(tin),
        rank=rank,
        decided_on=tin == best_tin,
        comparisons=tuple(comparisons),
        prior_weight=model.prior_weight,
        match_weight=float(recorded["match_weight"]),
        match_probability=float(recorded["match_probability"]),
        restricted=bool(recorded["restricted"]),
        found_by=tuple(r.description for r in BLOCKING_RULES if recorded.get(f"by_{r.name}")),
        index_agrees=agrees,
        withheld=found is not None and bool(found.get("withheld")),
    )


def _given(record: dict[str, Any]) -> dict[str, str]:
    """The request as the requester wrote it (TIN masked like the taxpayer's)."""
    name = " ".join(
        str(record[k])
        for k in ("first_name", "middle_name", "last_name", "name_suffix")
        if record.get(k)
    )
    street = " ".join(str(record[k]) for k in ("street_address", "unit") if record.get(k))
    place = " ".join(str(record[k]) for k in ("city", "state", "zip") if record.get(k))
    tin = "".join(ch for ch in str(record.get("tin") or "") if ch.isdigit())
    return {
        "name": name or "-",
        "address": f"{street}, {place}",
        "date of birth": _text(record.get("date_of_birth")),
        "TIN": mask_tin(tin),
    }


def signed_manifest(decisions: Path, manifest: Path) -> Manifest:
    """The manifest at ``manifest``, which must be the batch ``decisions`` are from."""
    batch_id = decisions.name.removesuffix(".decisions.parquet")
    signed = read_manifest(manifest)
    if signed.batch_id != batch_id:
        raise Conflict(
            f"manifest {manifest} is batch {signed.batch_id!r}, not {batch_id!r}; give the "
            "manifest of the batch these decisions are from"
        )
    return signed


def shown_candidates(decided: dict[str, Any], max_candidates: int) -> list[dict[str, Any]]:
    """The recorded candidates shown: the first ``max_candidates``, and the one the decision
    is about wherever it ranks."""
    recorded = list(decided["candidate_list"] or [])
    shown = recorded[:max_candidates]
    shown += [c for c in recorded[max_candidates:] if c["tin"] == decided["best_tin"]]
    return shown


def explanation(
    decisions: Path,
    decided: dict[str, Any],
    *,
    record: pa.Table,
    request: dict[str, Any],
    shown: list[dict[str, Any]],
    found: dict[str, dict[str, Any]],
    model: MatchModel,
    ambiguity_margin: float,
) -> Explanation:
    """The explanation of the recorded decision ``decided``: ``record`` as signed, ``request``
    standardized, and per ``shown`` candidate TIN what recomputing its levels ``found``."""
    recorded = list(decided["candidate_list"] or [])
    best_tin = decided["best_tin"]
    candidates = tuple(
        _candidate(
            recorded.index(c) + 1,
            c,
            found.get(c["tin"]),
            request=request,
            model=model,
            best_tin=best_tin,
        )
        for c in shown
    )
    model_agrees = all(
        abs(c.prior_weight + sum(x.weight for x in c.comparisons) - c.match_weight)
        < _WEIGHT_TOLERANCE
        for c in candidates
    )
    return Explanation(
        batch_id=decisions.name.removesuffix(".decisions.parquet"),
        request_id=decided["request_id"],
        row=int(decided["_row"]),
        outcome=decided["outcome"],
        decision_code=decided["decision_code"],
        decision_text=decision_text(decided["decision_code"], ambiguity_margin=ambiguity_margin),
        rule_set=decided["rule_set"],
        request=_given(record.to_pylist()[0]),
        candidates=candidates,
        candidates_total=len(recorded),
        plausible=int(decided["plausible"] or 0),
        match_probability=decided["match_probability"],
        match_weight=decided["match_weight"],
        runner_up_weight=decided["runner_up_weight"],
        model_agrees=model_agrees,
    )
