"""Density: taxpayers per ZIP code, skewed ZIP populations and address histories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ivs.synth import SynthConfig, generate_world
from ivs.synth.places import MIN_ZIPS, zip_population
from ivs.synth.vocab import zip_table


def _addresses(folder: Path) -> tuple[int, dict[str, int], int]:
    """Taxpayers, taxpayers whose last row is in each ZIP, and address rows."""
    rows = pq.read_table(folder / "master" / "addresses.parquet", columns=["tin", "zip"])
    taxpayers = pq.read_metadata(folder / "master" / "taxpayers.parquet").num_rows
    zips = pc.utf8_slice_codeunits(rows.column("zip"), 0, 5).to_pylist()
    per_zip: dict[str, set[str]] = {}
    for tin, zip5 in zip(rows.column("tin").to_pylist(), zips, strict=True):
        per_zip.setdefault(zip5, set()).add(tin)
    return taxpayers, {z: len(t) for z, t in per_zip.items()}, rows.num_rows


def test_a_dense_world_lives_in_few_zips_with_about_three_addresses_a_taxpayer(
    tmp_path: Path,
) -> None:
    config = SynthConfig(taxpayers=60_000, requests=2_000, seed=2, taxpayers_per_zip=3_000)
    generate_world(tmp_path, config)
    taxpayers, per_zip, rows = _addresses(tmp_path)
    assert len(per_zip) == 20
    assert 2.8 <= rows / taxpayers <= 3.4
    sizes = np.array(sorted(per_zip.values()))
    # Skewed, not uniform: the largest ZIP holds several times the smallest.
    assert sizes[-1] > 3 * sizes[0]


def test_the_sparse_world_is_still_reachable(tmp_path: Path) -> None:
    config = SynthConfig(
        taxpayers=20_000, requests=2_000, seed=2, taxpayers_per_zip=0, address_history="short"
    )
    generate_world(tmp_path, config)
    taxpayers, per_zip, rows = _addresses(tmp_path)
    assert len(per_zip) > 5_000
    assert 1.3 <= rows / taxpayers <= 1.6


@pytest.mark.parametrize(
    ("taxpayers", "per_zip", "zips"), [(2_000, 8_000, MIN_ZIPS), (1_000_000, 9_400, 107)]
)
def test_zip_population_has_taxpayers_over_per_zip_codes(
    taxpayers: int, per_zip: int, zips: int
) -> None:
    table = zip_table()
    population = zip_population(table, np.random.default_rng(1), taxpayers, per_zip)
    assert len(population.rows) == zips == len(set(population.rows.tolist()))
    assert population.cdf[-1] == 1.0
    drawn = population.draw(np.random.default_rng(2).random(10_000))
    assert set(drawn.tolist()) <= set(population.rows.tolist())
    # A state's stretch of the cdf draws only that state's ZIPs.
    state = int(np.searchsorted(table.state_start, population.rows[0], side="right") - 1)
    lo, hi = population.state_lo[state], population.state_hi[state]
    inside = population.draw(lo + np.random.default_rng(3).random(1_000) * (hi - lo))
    states = np.searchsorted(table.state_start, inside, side="right") - 1
    assert (states == state).all()
