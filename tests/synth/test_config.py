"""Options are checked before anything is written; category counts add up exactly."""

from __future__ import annotations

import numpy as np
import pytest

from ivs.domain.errors import ConfigError
from ivs.synth import Category, SynthConfig
from ivs.synth.config import allocate_categories


@pytest.mark.parametrize(
    ("config", "named"),
    [
        (SynthConfig(taxpayers=10), "--taxpayers"),
        (SynthConfig(taxpayers=1_000, requests=600), "--requests"),
        (SynthConfig(deficient_rate=0.9), "--deficient-rate"),
        (SynthConfig(records_format="xml"), "--records-format"),
        (SynthConfig(submitted_at="2025-06-27"), "--submitted-at"),
        (SynthConfig(seed=-1), "--seed"),
        (SynthConfig(taxpayers_per_zip=-5), "--taxpayers-per-zip"),
        (SynthConfig(address_history="long"), "--address-history"),
    ],
)
def test_bad_options_are_refused(config: SynthConfig, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        config.validate()


@pytest.mark.parametrize("requests", [1, 7, 999, 20_000])
def test_categories_add_up_to_the_requests(requests: int) -> None:
    config = SynthConfig(taxpayers=max(2 * requests, 1_000), requests=requests)
    codes = allocate_categories(config, np.random.default_rng(0))
    assert len(codes) == requests
    counts = np.bincount(codes, minlength=len(Category))
    shares = config.shares()
    for i, category in enumerate(Category):
        assert abs(counts[i] - shares[category] * requests) <= 1


def test_default_shares_sum_to_one_and_follow_the_deficient_rate() -> None:
    shares = SynthConfig(deficient_rate=0.1).shares()
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares[Category.DEFICIENT] == 0.1
