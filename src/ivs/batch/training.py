"""``ivs model train``: intake a labelled batch, load the index, estimate the model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from ivs.batch.index_step import ensure_index
from ivs.batch.inputs import load_inputs
from ivs.batch.intake_step import intake_batch
from ivs.domain.settings import Settings
from ivs.engines.base import DUCKDB
from ivs.formats.signers import Signer
from ivs.match.model import MatchModel
from ivs.match.train import train_model
from ivs.review.queue import CaseStatus, list_cases
from ivs.store import open_store

__all__ = ["train_from_batch"]


def train_from_batch(
    manifest: Path,
    master: Path,
    roster: Mapping[str, Signer],
    settings: Settings,
    *,
    now: datetime,
    step: Callable[[str], None],
    with_reviews: bool = True,
) -> MatchModel:
    """Train on ``manifest``'s batch; with ``with_reviews``, reviewers' decided cases of that
    batch (from the store) are labels too."""
    intake = intake_batch(manifest, roster, settings, [], now=now, step=step)
    index = ensure_index(master, settings, step=step)
    reviewed = None
    if with_reviews:
        cases = [
            c
            for c in list_cases(
                open_store(settings),
                batch_id=intake.manifest.batch_id,
                agency=intake.manifest.requesting_agency,
            )
            if c.status != CaseStatus.OPEN
        ]
        reviewed = pa.table(
            {
                "request_id": pa.array([c.request_id for c in cases], pa.string()),
                "tin": pa.array([c.tin for c in cases], pa.string()),
                "approved": pa.array([c.status == CaseStatus.APPROVED for c in cases]),
            }
        )
    with DUCKDB.open() as engine:
        load_inputs(engine, intake, index)
        return train_model(
            engine, on=intake.manifest.submitted_at.date(), step=step, reviewed=reviewed
        )
