"""Taxpayer identification numbers: valid SSNs and ITINs, unique by construction, and bad ones.

An SSN is area-group-serial with area 001-899 except 666, group 01-99 and serial 0001-9999.
An ITIN is 9XX-GG-XXXX with GG in 50-65, 70-88, 90-92 or 94-99. Each kind of number has a
dense index (0 .. space-1); a keyed permutation of taxpayer indices into that space gives
unique, random-looking numbers with no set of used numbers to keep.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "ITIN_GROUPS",
    "ITIN_SPACE",
    "SSN_SPACE",
    "impossible_ssns",
    "itin_from_index",
    "ssn_from_index",
    "tin_strings",
    "with_dashes",
]

ITIN_GROUPS = np.array(
    [*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100)], dtype=np.int64
)
_SERIALS = 9999
SSN_SPACE = 898 * 99 * _SERIALS
ITIN_SPACE = 100 * len(ITIN_GROUPS) * _SERIALS


def ssn_from_index(index: np.ndarray) -> np.ndarray:
    """The SSN (as an integer) at each dense index in ``[0, SSN_SPACE)``."""
    area_index, rest = np.divmod(index, 99 * _SERIALS)
    group, serial = np.divmod(rest, _SERIALS)
    area = area_index + 1
    area = np.where(area >= 666, area + 1, area)
    return np.asarray(area * 1_000_000 + (group + 1) * 10_000 + serial + 1, dtype=np.int64)


def itin_from_index(index: np.ndarray) -> np.ndarray:
    """The ITIN (as an integer) at each dense index in ``[0, ITIN_SPACE)``."""
    area_index, rest = np.divmod(index, len(ITIN_GROUPS) * _SERIALS)
    group_index, serial = np.divmod(rest, _SERIALS)
    return np.asarray(
        (900 + area_index) * 1_000_000 + ITIN_GROUPS[group_index] * 10_000 + serial + 1,
        dtype=np.int64,
    )


def impossible_ssns(rng: np.random.Generator, count: int) -> np.ndarray:
    """SSNs that cannot have been issued: area 000 or 666, otherwise well formed."""
    area = np.where(rng.random(count) < 0.5, 0, 666)
    group = rng.integers(1, 100, count)
    serial = rng.integers(1, 10_000, count)
    return np.asarray(area * 1_000_000 + group * 10_000 + serial, dtype=np.int64)


def tin_strings(tins: np.ndarray) -> pa.Array:
    """Nine-digit strings, zero padded."""
    return pc.utf8_lpad(pc.cast(pa.array(tins, pa.int64()), pa.string()), 9, "0")


def with_dashes(tins: pa.Array) -> pa.Array:
    """``123456789`` as ``123-45-6789``."""
    return pc.replace_substring_regex(tins, r"^(\d{3})(\d{2})(\d{4})$", r"\1-\2-\3")
