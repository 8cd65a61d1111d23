"""`ivs model train`: m from TIN-verified pairs, and reviewers' decisions as labels too."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ivs.batch.training import train_from_batch
from ivs.domain.settings import load_settings
from ivs.formats import read_records, read_signers
from ivs.store import open_store
from ivs.store.review_tables import review_cases
from ivs.synth import SynthConfig, generate_world

NOW = datetime(2025, 7, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("train")
    generate_world(root, SynthConfig(taxpayers=3_000, requests=1_500, seed=5))
    return root


def test_reviewers_decisions_are_labels(world: Path) -> None:
    manifest = next((world / "batch").glob("*.manifest.json"))
    settings = load_settings()
    roster = read_signers(world / "signers.json")

    def train() -> dict[str, object]:
        model = train_from_batch(
            manifest, world / "master", roster, settings, now=NOW, step=lambda _s: None
        )
        return model.summary

    before = train()
    assert before["review_labels"] == {"approved": 0, "refused": 0}

    records = read_records(next((world / "batch").glob("*.records.csv")))
    truth = pq.read_table(world / "truth.parquet")
    taxpayers = set(
        pq.read_table(world / "master" / "taxpayers.parquet", columns=["tin"])
        .column("tin")
        .to_pylist()
    )
    verified = next(r for r in records.to_pylist() if r["tin"] in taxpayers)
    without_tin = {r["request_id"] for r in records.to_pylist() if not r["tin"]}
    found = truth.filter(pc.is_valid(truth.column("tin"))).to_pylist()
    unlabelled = next(t for t in found if t["request_id"] in without_tin)
    store = open_store(settings)
    with store.begin() as conn:
        for row, (request_id, tin, status) in enumerate(
            [
                (verified["request_id"], verified["tin"], "refused"),
                (unlabelled["request_id"], unlabelled["tin"], "approved"),
            ]
        ):
            conn.execute(
                review_cases.insert().values(
                    agency=json.loads(manifest.read_text(encoding="utf-8"))["requesting_agency"],
                    batch_id=manifest.name.removesuffix(".manifest.json"),
                    request_id=request_id,
                    row=row,
                    tin=tin,
                    match_probability=0.97,
                    match_weight=10.0,
                    rule_set="r",
                    decisions_path="d",
                    enqueued_at="2025-07-01",
                    status=status,
                    decided_by="reviewer",
                    decided_at="2025-07-01",
                    reason="checked",
                )
            )
    after = train()
    assert after["review_labels"] == {"approved": 1, "refused": 1}
    # One TIN-verified pair refused by a reviewer leaves the labels, one approved joins them.
    assert after["labelled_pairs"] == before["labelled_pairs"]
    assert after["m_counts"] != before["m_counts"]
