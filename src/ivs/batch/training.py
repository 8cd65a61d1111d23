"""``ivs model train``: intake a labelled batch, load the index, estimate the model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from ivs.batch.index_step import ensure_index
from ivs.batch.inputs import load_inputs
from ivs.batch.intake_step import intake_batch
from ivs.domain.settings import Settings
from ivs.engines.duckdb_engine import DuckDBEngine
from ivs.formats.signers import Signer
from ivs.match.model import MatchModel
from ivs.match.train import train_model

__all__ = ["train_from_batch"]


def train_from_batch(
    manifest: Path,
    master: Path,
    roster: Mapping[str, Signer],
    settings: Settings,
    *,
    now: datetime,
    step: Callable[[str], None],
) -> MatchModel:
    intake = intake_batch(manifest, roster, settings, [], now=now, step=step)
    index = ensure_index(master, settings, step=step)
    with DuckDBEngine() as engine:
        load_inputs(engine, intake, index)
        return train_model(engine, on=intake.manifest.submitted_at.date(), step=step)
