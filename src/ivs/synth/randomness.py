"""Seeded random streams, a keyed permutation for unique identifiers, and integer hashing.

Each part of the world draws from its own named stream, so that changing how one part is
drawn leaves every other part of the world as it was.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["mix64", "permute", "rng_for", "zipf_cdf"]

_U64 = np.uint64
_MASK64 = (1 << 64) - 1


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """The generator of one named stream of a world."""
    digest = hashlib.sha256(f"ivs-synth/{seed}/{stream}".encode()).digest()
    return np.random.default_rng(np.random.SeedSequence(int.from_bytes(digest[:16], "big")))


def mix64(values: np.ndarray, salt: int = 0) -> np.ndarray:
    """A well-mixed 64-bit hash of integers (splitmix64's finalizer), elementwise."""
    with np.errstate(over="ignore"):
        x = values.astype(_U64) + _U64((0x9E3779B97F4A7C15 * (salt + 1)) & _MASK64)
        x = (x ^ (x >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> _U64(27))) * _U64(0x94D049BB133111EB)
        return np.asarray(x ^ (x >> _U64(31)))


def permute(indices: np.ndarray, domain: int, key: int) -> np.ndarray:
    """A keyed bijection of ``[0, domain)`` applied to ``indices`` (a Feistel network).

    Distinct indices give distinct results, so ``permute(arange(n), domain, key)`` is a
    sample of ``n`` different values from the domain without keeping a set of those used.
    Values that land outside the domain are encrypted again until they fall inside it
    ("cycle walking"), which keeps the map a bijection on the domain itself.
    """
    half_bits = max(1, (int(domain - 1).bit_length() + 1) // 2)
    half_mask = _U64((1 << half_bits) - 1)
    out = indices.astype(_U64)
    pending = np.ones(out.shape, dtype=bool)
    while pending.any():
        x = out[pending]
        left, right = x >> _U64(half_bits), x & half_mask
        for round_ in range(4):
            f = mix64(right, salt=key * 8 + round_) & half_mask
            left, right = right, left ^ f
        x = (left << _U64(half_bits)) | right
        out[pending] = x
        pending[pending] = x >= _U64(domain)
    return out.astype(np.int64)


def zipf_cdf(count: int, exponent: float = 1.0, offset: float = 1.0) -> np.ndarray:
    """Cumulative weights of ranks 1..count under a Zipf–Mandelbrot law, ending at 1."""
    ranks = np.arange(count, dtype=np.float64)
    weights = 1.0 / np.power(ranks + offset, exponent)
    cdf = np.cumsum(weights)
    return np.asarray(cdf / cdf[-1])
