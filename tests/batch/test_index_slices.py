"""The index is standardized a slice at a time; the slices must not change a byte of it."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ivs.batch import index_step
from ivs.batch.index_step import build_index
from ivs.domain.settings import load_settings
from ivs.synth import SynthConfig, generate_world

TABLES = ("taxpayers", "name_words", "address_forms", "addresses", "last_known")


def test_slices_give_the_index_of_one_slice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = tmp_path / "world"
    generate_world(world, SynthConfig(taxpayers=3_000, requests=300, seed=9))
    whole = build_index(world / "master", load_settings(home=tmp_path / "whole"))
    monkeypatch.setattr(index_step, "STANDARDIZE_SLICE", 777)
    sliced = build_index(world / "master", load_settings(home=tmp_path / "sliced"))
    assert whole.address_forms > 777 * 3
    assert whole.taxpayers > 777 * 3
    for name in TABLES:
        a = pq.read_table(whole.folder / f"{name}.parquet")
        b = pq.read_table(sliced.folder / f"{name}.parquet")
        assert a.schema == b.schema, name
        assert a.equals(b), name


def test_the_tables_every_batch_reads_are_lz4(tmp_path: Path) -> None:
    world = tmp_path / "world"
    generate_world(world, SynthConfig(taxpayers=1_000, requests=50, seed=4))
    index = build_index(world / "master", load_settings(home=tmp_path / "home"))
    # pyarrow names LZ4_RAW, the codec written, LZ4.
    expected = {
        "last_known": "ZSTD",
        **dict.fromkeys(("taxpayers", "address_forms", "addresses"), "LZ4"),
    }
    for name, codec in expected.items():
        meta = pq.ParquetFile(index.folder / f"{name}.parquet").metadata
        codecs = {
            meta.row_group(g).column(c).compression
            for g in range(meta.num_row_groups)
            for c in range(meta.num_columns)
        }
        assert codecs == {codec}, name
