"""The TIN-only counterfactual of a run: the run's own name levels where they answer, the same
disclosures as matching the whole batch again by raw TIN."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivs.batch.match_step import match_batch
from ivs.batch.policies import counterfactual_totals, tin_only_disclosures
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


def _totals_by_hand(
    tin_only: list[tuple[str, str]], final: list[tuple[str, str, str | None]]
) -> dict[str, int]:
    disclosed = rejected = not_lawful = 0
    for request_id, tin in tin_only:
        rows = [row for row in final if row[0] == request_id] or [(request_id, None, None)]
        for _, outcome, matched_tin in rows:
            disclosed += 1
            rejected += outcome == "REJECTED"
            not_lawful += matched_tin != tin
    return {"disclosed": disclosed, "on_rejected_requests": rejected, "not_lawful": not_lawful}


@given(
    st.lists(st.tuples(st.sampled_from("ABCDE"), st.sampled_from(["1", "2"])), max_size=6),
    st.lists(
        st.tuples(
            st.sampled_from("ABCDEF"),
            st.sampled_from(["DISCLOSED", "NOT_DISCLOSED", "REJECTED"]),
            st.sampled_from(["1", "2", None]),
        ),
        max_size=8,
    ),
)
def test_counterfactual_totals_count_each_tin_only_disclosure_with_its_record(
    tin_only: list[tuple[str, str]], final: list[tuple[str, str, str | None]]
) -> None:
    # Request ids may repeat in a batch (intake rejects the repeats, which stay records), and a
    # TIN-only disclosure may name a request the run's table lacks: each pairing counts once.
    tin_only_table = pa.table(
        {"request_id": [r for r, _ in tin_only], "tin": [t for _, t in tin_only]},
        schema=pa.schema([("request_id", pa.string()), ("tin", pa.string())]),
    )
    final_table = pa.table(
        {
            "request_id": [r for r, _, _ in final],
            "outcome": [o for _, o, _ in final],
            "matched_tin": [t for _, _, t in final],
        },
        schema=pa.schema(
            [("request_id", pa.string()), ("outcome", pa.string()), ("matched_tin", pa.string())]
        ),
    )
    assert counterfactual_totals(tin_only_table, final_table) == _totals_by_hand(tin_only, final)
