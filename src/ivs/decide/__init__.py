"""The disclosure rules: pure functions from evidence to a decision."""

from ivs.decide.rules import EVIDENCE_COLUMNS, RuleSet, decide

__all__ = ["EVIDENCE_COLUMNS", "RuleSet", "decide"]
