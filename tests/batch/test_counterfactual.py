"""The TIN-only counterfactual of a run: the run's own name levels where they answer, the same
disclosures as matching the whole batch again by raw TIN."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ivs.batch.match_step import match_batch
from ivs.batch.policies import tin_only_disclosures
from ivs.decide.rules import rule_set_for
from ivs.engines.base import DUCKDB
from ivs.match.model import load_model
from ivs.synth import SynthConfig

from .synth_batch import synth_intake


def _sorted(table: pa.Table) -> list[tuple[str, str]]:
    return sorted(
        zip(table.column("request_id").to_pylist(), table.column("tin").to_pylist(), strict=True)
    )


@pytest.mark.parametrize("seed", [3, 8])
def test_the_counterfactual_from_the_run_equals_matching_again(tmp_path: Path, seed: int) -> None:
    intake, index, settings = synth_intake(
        tmp_path, SynthConfig(taxpayers=4_000, requests=1_500, seed=seed)
    )
    model = load_model(None)
    output = match_batch(
        intake, index, model, rule_set_for(settings, model.digest), step=lambda _s: None
    )
    from_run = tin_only_disclosures(intake, index, DUCKDB, output.named_by_tin)
    matched_again = tin_only_disclosures(intake, index, DUCKDB, None)
    assert _sorted(from_run) == _sorted(matched_again)
    # Both parts are exercised: records the run answered, and rejected ones matched again.
    rejected_ids = intake.records.column("request_id").filter(
        pc.is_valid(intake.verdicts.column("rejection_code"))
    )
    again = set(from_run.column("request_id").to_pylist())
    assert again & set(rejected_ids.to_pylist())
    assert again - set(rejected_ids.to_pylist())
