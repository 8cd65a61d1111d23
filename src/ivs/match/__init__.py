"""Candidate generation, comparison and scoring as engine-neutral steps."""

from ivs.match.comparisons import COMPARISONS, Comparison, Level
from ivs.match.model import LevelWeight, MatchModel, load_model
from ivs.match.pipeline import BLOCKING_RULES, BlockingRule, match_steps

__all__ = [
    "BLOCKING_RULES",
    "COMPARISONS",
    "BlockingRule",
    "Comparison",
    "Level",
    "LevelWeight",
    "MatchModel",
    "load_model",
    "match_steps",
]
