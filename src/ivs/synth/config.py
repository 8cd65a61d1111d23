"""What a synthetic world is asked to be: sizes, seed, and the share of each request category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np

from ivs.domain.errors import ConfigError
from ivs.formats.manifest import parse_instant

__all__ = [
    "ADDRESS_HISTORIES",
    "FIXED_SHARES",
    "NATIONAL_TAXPAYERS_PER_ZIP",
    "RECORD_FORMATS",
    "Category",
    "SynthConfig",
    "allocate_categories",
]

RECORD_FORMATS = ("csv", "jsonl", "parquet")
ADDRESS_HISTORIES = ("national", "short")
# About 330 M people in 41,000 ZIP codes: the density of the national master file.
NATIONAL_TAXPAYERS_PER_ZIP = 8_000


class Category(StrEnum):
    """What a request is, in truth; each has one expected outcome under lawful matching."""

    EXACT = "exact"
    VARIANT = "variant"
    MOVED = "moved"
    NEVER_FILED = "never_filed"
    HOUSEHOLD_JR_SR = "household_jr_sr"
    SAME_NAME_BUILDING = "same_name_building"
    SAME_NAME_ROOMMATES = "same_name_roommates"
    TIN_CONFLICT = "tin_conflict"
    RESTRICTED = "restricted"
    DEFICIENT = "deficient"


# Shares of the batch that do not depend on the options. `exact` and `variant` split what is
# left after these and the deficient rate, in the ratio EXACT_OF_MATCHABLE : 1 - that.
FIXED_SHARES: dict[Category, float] = {
    Category.NEVER_FILED: 0.15,
    Category.MOVED: 0.10,
    Category.HOUSEHOLD_JR_SR: 0.03,
    Category.SAME_NAME_BUILDING: 0.02,
    Category.SAME_NAME_ROOMMATES: 0.02,
    Category.TIN_CONFLICT: 0.02,
    Category.RESTRICTED: 0.005,
}
EXACT_OF_MATCHABLE = 0.4


@dataclass(frozen=True, slots=True)
class SynthConfig:
    """Options of one synthetic world; every field is part of what makes the output repeatable."""

    taxpayers: int = 200_000
    requests: int = 20_000
    seed: int = 1
    deficient_rate: float = 0.05
    records_format: str = "csv"
    submitted_at: str = "2025-06-27T14:00:00Z"
    # Mean taxpayers per ZIP code; 0 spreads them over every ZIP code (the first worlds).
    taxpayers_per_zip: int = NATIONAL_TAXPAYERS_PER_ZIP
    address_history: str = "national"

    def validate(self) -> None:
        """Raise ``ConfigError`` naming every option that cannot make a world."""
        problems: list[str] = []
        if self.taxpayers < 1_000:
            problems.append(f"--taxpayers must be at least 1000, got {self.taxpayers}")
        if self.requests < 1:
            problems.append(f"--requests must be at least 1, got {self.requests}")
        # Each request that names a taxpayer uses a different one, and the traps need whole
        # households of their own, so the master must be comfortably larger than the batch.
        if self.requests * 2 > self.taxpayers:
            problems.append(
                f"--requests ({self.requests}) may be at most half of --taxpayers "
                f"({self.taxpayers}): each request names a different person"
            )
        if self.seed < 0:
            problems.append(f"--seed must be 0 or more, got {self.seed}")
        if not 0.0 <= self.deficient_rate <= 1.0 - sum(FIXED_SHARES.values()):
            problems.append(
                f"--deficient-rate must be between 0 and "
                f"{1.0 - sum(FIXED_SHARES.values()):.3f}, got {self.deficient_rate}"
            )
        if self.records_format not in RECORD_FORMATS:
            problems.append(
                f"--records-format must be one of {', '.join(RECORD_FORMATS)}, "
                f"got {self.records_format!r}"
            )
        if self.taxpayers_per_zip < 0:
            problems.append(
                f"--taxpayers-per-zip must be 0 (every ZIP code) or more, "
                f"got {self.taxpayers_per_zip}"
            )
        if self.address_history not in ADDRESS_HISTORIES:
            problems.append(
                f"--address-history must be one of {', '.join(ADDRESS_HISTORIES)}, "
                f"got {self.address_history!r}"
            )
        try:
            parse_instant(self.submitted_at)
        except ValueError as e:
            problems.append(f"--submitted-at: {e}")
        if problems:
            raise ConfigError(
                "cannot generate this synthetic world: "
                + "; ".join(problems)
                + ". Change the options and run again."
            )

    @property
    def submitted_day(self) -> date:
        return parse_instant(self.submitted_at).date()

    @property
    def batch_id(self) -> str:
        return f"SYN-{self.seed}-A"

    def shares(self) -> dict[Category, float]:
        """The share of the batch each category is meant to have."""
        left = 1.0 - self.deficient_rate - sum(FIXED_SHARES.values())
        return {
            Category.EXACT: left * EXACT_OF_MATCHABLE,
            Category.VARIANT: left * (1.0 - EXACT_OF_MATCHABLE),
            **FIXED_SHARES,
            Category.DEFICIENT: self.deficient_rate,
        }


def allocate_categories(config: SynthConfig, rng: np.random.Generator) -> np.ndarray:
    """A category code (index into ``list(Category)``) for every request, in shuffled order.

    Counts follow the shares by largest remainder, so they sum to exactly ``requests``.
    """
    categories = list(Category)
    shares = config.shares()
    wanted = np.array([shares[c] * config.requests for c in categories])
    counts = np.floor(wanted).astype(np.int64)
    short = config.requests - int(counts.sum())
    if short:
        order = np.argsort(-(wanted - counts), kind="stable")
        counts[order[:short]] += 1
    codes = np.repeat(np.arange(len(categories), dtype=np.int8), counts)
    return rng.permutation(codes)
