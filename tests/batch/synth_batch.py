"""A synthetic world's batch taken through intake, with its master indexed: what matching
starts from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ivs.batch.index_step import IndexInfo, ensure_index
from ivs.batch.intake_step import IntakeOutcome, intake_batch
from ivs.domain.settings import Settings, load_settings
from ivs.formats.signers import read_signers
from ivs.synth import SynthConfig, generate_world


def synth_intake(folder: Path, config: SynthConfig) -> tuple[IntakeOutcome, IndexInfo, Settings]:
    world = folder / "world"
    generate_world(world, config)
    settings = load_settings(home=folder / "home")
    intake = intake_batch(
        next((world / "batch").glob("*.manifest.json")),
        read_signers(world / "signers.json"),
        settings,
        [],
        now=datetime.now(UTC),
    )
    return intake, ensure_index(world / "master", settings), settings
