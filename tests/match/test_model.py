from __future__ import annotations

import json
from pathlib import Path

import pytest

from ivs.domain.errors import ConfigError
from ivs.match.comparisons import COMPARISONS
from ivs.match.model import MatchModel, load_model


def test_default_model_covers_every_level_and_orders_evidence() -> None:
    model = load_model()
    for comparison in COMPARISONS:
        assert set(model.levels[comparison.name]) == set(comparison.labels())
    # Agreement must count for more than disagreement, or the model is upside down.
    assert model.weight("name", "exact") > model.weight("name", "surname_only")
    assert model.weight("address", "exact") > model.weight("address", "other")
    assert model.weight("tin", "agree") > 0 > model.weight("tin", "disagree")
    assert "CASE name_level" in model.weight_sql()


def test_round_trip_and_digest(tmp_path: Path) -> None:
    model = load_model()
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model.to_json()))
    again = load_model(path)
    assert again.digest == model.digest


def test_malformed_models_are_config_errors(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"format": "something-else"}')
    with pytest.raises(ConfigError, match="not a match model"):
        load_model(path)
    data = load_model().to_json()
    del data["comparisons"]["dob"]
    with pytest.raises(ConfigError, match="comparison 'dob'"):
        MatchModel.from_json(data, "test")
    data = load_model().to_json()
    data["prior"] = 1.5
    with pytest.raises(ConfigError, match="prior"):
        MatchModel.from_json(data, "test")
