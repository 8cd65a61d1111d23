"""Finding the index a batch was matched against, for explain and review releases."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivs.domain.errors import ConfigError, Conflict, NotFound
from ivs.review.inputs import BatchInputs, locate_index


def _inputs(index: Path | None) -> BatchInputs:
    return BatchInputs(batch_id="B-1", manifest=None, master=None, index=index)


def test_the_recorded_index_is_used_when_whole(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text("{}")
    (tmp_path / "name_words.parquet").write_bytes(b"")
    assert locate_index(_inputs(tmp_path), None) == tmp_path


def test_a_missing_or_outdated_index_names_the_way_out(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="pass --master DIR"):
        locate_index(_inputs(None), None)
    with pytest.raises(NotFound, match="no longer exists"):
        locate_index(_inputs(tmp_path), None)
    (tmp_path / "index.json").write_text("{}")
    with pytest.raises(Conflict, match="earlier version of ivs"):
        locate_index(_inputs(tmp_path), None)
