"""The TIN-only counterfactual of a run: the run's own name levels where they answer, the same
disclosures as matching the whole batch again by raw TIN."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ivs.batch.index_step import ensure_index
from ivs.batch.intake_step import intake_batch
from ivs.batch.run import _tin_only_disclosures, match_batch, rule_set_for
from ivs.domain.settings import load_settings
from ivs.engines.base import DUCKDB
from ivs.formats.signers import read_signers
from ivs.match.model import load_model
from ivs.synth import SynthConfig, generate_world


def _sorted(table: pa.Table) -> list[tuple[str, str]]:
    return sorted(
        zip(table.column("request_id").to_pylist(), table.column("tin").to_pylist(), strict=True)
    )


@pytest.mark.parametrize("seed", [3, 8])
def test_the_counterfactual_from_the_run_equals_matching_again(tmp_path: Path, seed: int) -> None:
    generate_world(tmp_path / "world", SynthConfig(taxpayers=4_000, requests=1_500, seed=seed))
    world = tmp_path / "world"
    settings = load_settings(home=tmp_path / "home")
    intake = intake_batch(
        next((world / "batch").glob("*.manifest.json")),
        read_signers(world / "signers.json"),
        settings,
        [],
        now=datetime.now(UTC),
    )
    index = ensure_index(world / "master", settings)
    model = load_model(None)
    output = match_batch(intake, index, model, rule_set_for(settings, model), step=lambda _s: None)
    from_run = _tin_only_disclosures(intake, index, DUCKDB, output.named_by_tin)
    matched_again = _tin_only_disclosures(intake, index, DUCKDB, None)
    assert _sorted(from_run) == _sorted(matched_again)
    # Both parts are exercised: records the run answered, and rejected ones matched again.
    rejected_ids = intake.records.column("request_id").filter(
        pc.is_valid(intake.verdicts.column("rejection_code"))
    )
    again = set(from_run.column("request_id").to_pylist())
    assert again & set(rejected_ids.to_pylist())
    assert again - set(rejected_ids.to_pylist())
