"""The Fellegi–Sunter match model: m and u probabilities per comparison level, and a prior.

A pair's match weight is ``log2(prior odds) + Σ log2(m/u)`` over its comparison levels, and its
match probability ``1 / (1 + 2^-weight)``. Weights are data (versioned JSON, written by
``ivs model train``), compiled here into a SQL sum of CASE expressions that every engine runs.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ivs.domain.errors import ConfigError
from ivs.match.comparisons import COMPARISONS, Comparison

__all__ = ["DEFAULT_MODEL", "LevelWeight", "MatchModel", "load_model"]

MODEL_FORMAT = "ivs-match-model/1"
DEFAULT_MODEL = "default-model.json"


@dataclass(frozen=True, slots=True)
class LevelWeight:
    m: float
    u: float

    @property
    def bayes_factor(self) -> float:
        return self.m / self.u

    @property
    def weight(self) -> float:
        return math.log2(self.bayes_factor)


@dataclass(frozen=True, slots=True)
class MatchModel:
    """Trained parameters; ``levels[comparison][label]`` gives m and u."""

    prior: float
    levels: dict[str, dict[str, LevelWeight]]
    summary: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 < self.prior < 1.0:
            raise ConfigError(f"model prior must lie strictly between 0 and 1, got {self.prior}")
        for comparison in COMPARISONS:
            have = self.levels.get(comparison.name)
            if have is None or set(have) != set(comparison.labels()):
                raise ConfigError(
                    f"model has no weights, or the wrong levels, for comparison '{comparison.name}'"
                    f" (expected {', '.join(comparison.labels())}); retrain with `ivs model train`"
                )
            for label, lw in have.items():
                if not (0.0 < lw.m <= 1.0 and 0.0 < lw.u <= 1.0):
                    raise ConfigError(f"model {comparison.name}.{label}: m and u must be in (0, 1]")

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1.0 - self.prior))

    def weight(self, comparison: str, label: str) -> float:
        return self.levels[comparison][label].weight

    def _case(self, comparison: Comparison) -> str:
        whens = " ".join(
            f"WHEN {i} THEN CAST({self.weight(comparison.name, label)!r} AS DOUBLE)"
            for i, label in enumerate(comparison.labels())
        )
        return f"(CASE {comparison.name}_level {whens} END)"

    def weight_sql(self) -> str:
        """SQL: the match weight from the ``<comparison>_level`` columns of a pair."""
        prior = f"CAST({self.prior_weight!r} AS DOUBLE)"
        return " + ".join([prior, *(self._case(c) for c in COMPARISONS)])

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "prior": self.prior,
            "comparisons": {
                name: {label: {"m": lw.m, "u": lw.u} for label, lw in levels.items()}
                for name, levels in self.levels.items()
            },
            "summary": self.summary,
        }

    @property
    def digest(self) -> str:
        """SHA-256 of the parameters (not the summary): part of the rule-set hash."""
        body = {k: v for k, v in self.to_json().items() if k != "summary"}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str) -> MatchModel:
        if data.get("format") != MODEL_FORMAT:
            raise ConfigError(f"{source}: not a match model (format must be {MODEL_FORMAT!r})")
        try:
            levels = {
                name: {label: LevelWeight(float(v["m"]), float(v["u"])) for label, v in lv.items()}
                for name, lv in data["comparisons"].items()
            }
            return cls(prior=float(data["prior"]), levels=levels, summary=data.get("summary", {}))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ConfigError(f"{source}: malformed match model ({e})") from e


def load_model(path: Path | None = None) -> MatchModel:
    """The model at ``path``, or the default shipped with the package."""
    if path is None:
        text = resources.files("ivs.match").joinpath(DEFAULT_MODEL).read_text(encoding="utf-8")
        return MatchModel.from_json(json.loads(text), f"package default {DEFAULT_MODEL}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read match model ({e})") from e
    return MatchModel.from_json(data, str(path))
