"""The synthetic world generator: a master file, a signed request batch, and the truth.

Every accuracy figure of the project is measured on these worlds; ``docs/synthetic-data.md``
describes the model and every knob.
"""

from ivs.synth.config import Category, SynthConfig
from ivs.synth.world import ProgressCallback, WorldSummary, generate_world

__all__ = ["Category", "ProgressCallback", "SynthConfig", "WorldSummary", "generate_world"]
