"""One small world shared by the invariant tests (generating it is the slow part)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivs.synth import SynthConfig, WorldSummary, generate_world

SMALL = SynthConfig(taxpayers=20_000, requests=4_000, seed=7)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    return generate_world(tmp_path_factory.mktemp("world"), SMALL)


@pytest.fixture(scope="session")
def world_dir(world: WorldSummary) -> Path:
    return world.out_dir
