"""``ivs simulate``: what a policy would have disclosed, without disclosing or recording anything.

Policies:

- ``lawful``   this system's rules (intake, name and address to the unit, uniqueness, vetoes,
               thresholds), exactly as ``ivs run`` decides;
- ``tin-only`` the 2025 process: disclose the last known address whenever the request's name
               and TIN match a taxpayer, whatever the request's address says, deficient or not;
- ``name-only`` disclose whenever exactly one candidate's name matches, ignoring the address.

With a truth file (from ``ivs synth``), each policy's disclosures are scored: wrong-person
disclosures and disclosures on deficient requests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ivs.batch.index_step import ensure_index
from ivs.batch.intake_step import intake_batch
from ivs.batch.match_step import match_batch
from ivs.batch.policies import policy_disclosures, without_intake
from ivs.decide.rules import rule_set_for
from ivs.domain.errors import ConfigError
from ivs.domain.settings import Settings
from ivs.engines.base import DUCKDB, EngineChoice
from ivs.formats.signers import Signer
from ivs.match.model import load_model

__all__ = ["POLICIES", "PolicyResult", "disclosures_of", "score_against_truth", "simulate"]

POLICIES = ("lawful", "tin-only", "name-only")


@dataclass(frozen=True, slots=True)
class PolicyResult:
    policy: str
    records: int
    disclosures: pa.Table  # request_id, tin: what the policy would disclose
    wrong_person: int | None = None
    on_deficient: int | None = None
    lawfully_matchable: int | None = None
    recalled: int | None = None
    unlawful: int | None = None  # disclosures where the lawful answer was not to disclose

    @property
    def disclosed(self) -> int:
        return int(self.disclosures.num_rows)


def simulate(
    manifest: Path,
    master: Path,
    roster: Mapping[str, Signer],
    settings: Settings,
    policy: str,
    *,
    now: datetime,
    truth: Path | None = None,
    step: Callable[[str], None] | None = None,
    engine_choice: EngineChoice = DUCKDB,
) -> PolicyResult:
    """Run ``policy`` over a batch; nothing is recorded and no response is written."""
    if policy not in POLICIES:
        raise ConfigError(f"unknown policy {policy!r}; choose one of {', '.join(POLICIES)}")
    announce = step or (lambda _s: None)
    intake = intake_batch(manifest, roster, settings, [], now=now, step=announce)
    index = ensure_index(master, settings, step=announce, engine_choice=engine_choice)
    if policy == "lawful":
        model = load_model()
        decisions = match_batch(
            intake,
            index,
            model,
            rule_set_for(settings, model.digest),
            step=announce,
            engine_choice=engine_choice,
        ).decisions
        table = disclosures_of(decisions)
    else:
        everything = without_intake(intake)
        table = policy_disclosures(everything, index, policy, engine_choice=engine_choice)
    result = PolicyResult(policy, intake.records.num_rows, table)
    return score_against_truth(result, truth) if truth is not None else result


def disclosures_of(decisions: pa.Table) -> pa.Table:
    """(request_id, tin) of every disclosure in a decisions table."""
    disclosed = decisions.filter(pc.is_valid(decisions.column("matched_tin")))
    return pa.table(
        {"request_id": disclosed.column("request_id"), "tin": disclosed.column("matched_tin")}
    )


def score_against_truth(result: PolicyResult, truth_path: Path) -> PolicyResult:
    """Count wrong-person and deficient-request disclosures, and recall, against the truth."""
    truth = pq.read_table(truth_path)
    joined = result.disclosures.join(
        truth.select(
            ["request_id", "tin", "category", "lawfully_matchable", "expected_outcome"]
        ).rename_columns(
            ["request_id", "true_tin", "category", "lawfully_matchable", "expected_outcome"]
        ),
        keys="request_id",
        join_type="left outer",
    )
    wrong = pc.invert(
        pc.fill_null(pc.equal(joined.column("tin"), joined.column("true_tin")), False)
    )
    deficient = pc.fill_null(pc.equal(joined.column("category"), "deficient"), False)
    # Recall counts only records whose lawful answer is disclosure (not restricted, not
    # rejected at intake): the matcher cannot be blamed for what the law forbids.
    matchable = pc.and_(
        pc.fill_null(truth.column("lawfully_matchable"), False),
        pc.equal(truth.column("expected_outcome"), "DISCLOSED"),
    )
    lawful_here = pc.and_(
        pc.fill_null(joined.column("lawfully_matchable"), False),
        pc.equal(joined.column("expected_outcome"), "DISCLOSED"),
    )
    recalled = pc.and_(lawful_here, pc.invert(wrong))
    unlawful = pc.invert(
        pc.fill_null(pc.equal(joined.column("expected_outcome"), "DISCLOSED"), False)
    )
    return PolicyResult(
        policy=result.policy,
        records=result.records,
        disclosures=result.disclosures,
        wrong_person=int(pc.sum(wrong).as_py() or 0),
        on_deficient=int(pc.sum(deficient).as_py() or 0),
        lawfully_matchable=int(pc.sum(matchable).as_py() or 0),
        recalled=int(pc.sum(recalled).as_py() or 0),
        unlawful=int(pc.sum(unlawful).as_py() or 0),
    )
