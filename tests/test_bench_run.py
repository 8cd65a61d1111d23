"""The benchmark's distinct-address master (benchmarks/bench_run.py ``--distinct-share``): the
share of rewritten rows is the share asked, each is distinct from every other row, nothing
else changes, and ``ivs index`` takes the variant without a defect."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import ModuleType

import pyarrow.parquet as pq
import pytest
from tests.benchmark_scripts import load_benchmark

from ivs.batch.index_step import build_index
from ivs.domain.settings import load_settings
from ivs.synth import SynthConfig, generate_world

PLACE = ("street_address", "unit", "city", "state", "zip")


def _load() -> ModuleType:
    return load_benchmark("bench_run")


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = tmp_path_factory.mktemp("world")
    generate_world(world, SynthConfig(taxpayers=1000, requests=50, seed=3))
    return world / "master"


def _rows(master: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = pq.read_table(master / "addresses.parquet").to_pylist()
    return rows


@pytest.mark.parametrize("share", [0.3, 1.0])
def test_the_share_asked_becomes_distinct_and_nothing_else_changes(
    master: Path, tmp_path: Path, share: float
) -> None:
    bench = _load()
    rows, distinct = bench.distinct_master(master, tmp_path / "variant", share, 5)
    before, after = _rows(master), _rows(tmp_path / "variant")
    assert len(after) == len(before) == rows
    places = Counter(tuple(r[c] for c in PLACE) for r in after)
    assert distinct == len(places)
    # Households share addresses in the synthetic world, so the test means something.
    assert len({tuple(r[c] for c in PLACE) for r in before}) < 0.8 * len(before)
    changed = [a for a, b in zip(after, before, strict=True) if a != b]
    assert len(changed) == round(share * len(before))
    assert all(places[tuple(r[c] for c in PLACE)] == 1 for r in changed)
    for a, b in zip(after, before, strict=True):
        assert {k: v for k, v in a.items() if k not in PLACE[:2]} == {
            k: v for k, v in b.items() if k not in PLACE[:2]
        }
    if share == 1.0:
        assert distinct == rows
    for name in ("taxpayers", "restrictions"):
        assert (tmp_path / "variant" / f"{name}.parquet").read_bytes() == (
            master / f"{name}.parquet"
        ).read_bytes()


def test_the_index_takes_the_variant_without_a_defect(master: Path, tmp_path: Path) -> None:
    bench = _load()
    rows, distinct = bench.distinct_master(master, tmp_path / "variant", 1.0, 5)
    info = build_index(tmp_path / "variant", load_settings(home=tmp_path / "home"))
    assert info.defects == []
    assert info.set_aside == {"taxpayers": 0, "addresses": 0, "withheld": 0}
    assert (info.addresses, info.address_forms) == (rows, distinct) == (rows, rows)


def test_a_share_outside_zero_to_one_is_refused(master: Path, tmp_path: Path) -> None:
    bench = _load()
    with pytest.raises(ValueError, match="distinct share"):
        bench.distinct_master(master, tmp_path / "variant", 0.0, 5)
