"""How another agency writes a name and address it got from the same person: the distortions.

Each distortion is one thing a careful matcher can undo (a typo of one character, a dropped
second surname, a spelled-out street type, an older address...). Which ones a request gets is
drawn among those that apply to it (no "dropped second surname" for a single surname).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "NAME_OVERRIDES",
    "choose",
    "mixed_case",
    "swap",
    "typo",
    "unit_as_hash",
    "zip_plus4",
]

# Distortions applied while rendering (the renderer drops or replaces a part).
NAME_OVERRIDES = (
    "second_surname_dropped",
    "middle_name_dropped",
    "nickname",
    "accents_changed",
)

_NEIGHBOURS = {
    "A": "SQ",
    "B": "VN",
    "C": "XV",
    "D": "SF",
    "E": "WR",
    "F": "DG",
    "G": "FH",
    "H": "GJ",
    "I": "UO",
    "J": "HK",
    "K": "JL",
    "L": "K",
    "M": "N",
    "N": "MB",
    "O": "IP",
    "P": "O",
    "Q": "WA",
    "R": "ET",
    "S": "AD",
    "T": "RY",
    "U": "YI",
    "V": "CB",
    "W": "QE",
    "X": "ZC",
    "Y": "TU",
    "Z": "X",
}


def choose(
    rng: np.random.Generator,
    eligible: dict[str, np.ndarray],
    rows: np.ndarray,
    at_least: int,
    at_most: int,
) -> dict[str, np.ndarray]:
    """For each row in ``rows``, between ``at_least`` and ``at_most`` eligible distortions.

    Returns, per distortion, a boolean mask over all rows. Rows with fewer eligible
    distortions than drawn get as many as they have.
    """
    names = list(eligible)
    total = len(next(iter(eligible.values())))
    matrix = np.stack([eligible[n] for n in names], axis=1)
    score = rng.random(matrix.shape)
    score[~matrix] = 2.0  # ineligible ones sort last
    rank = np.argsort(np.argsort(score, axis=1), axis=1)
    wanted = rng.integers(at_least, at_most + 1, total)
    chosen = (rank < wanted[:, None]) & matrix
    in_rows = np.zeros(total, dtype=bool)
    in_rows[rows] = True
    chosen &= in_rows[:, None]
    return {n: chosen[:, i] for i, n in enumerate(names)}


def typo(values: pa.Array, mask: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """One character changed in the masked values: a neighbouring key, a drop or a swap.

    Only the few masked values are edited, in Python; the rest are untouched.
    """
    out = values.to_numpy(zero_copy_only=False).copy()
    where = np.flatnonzero(mask)
    kinds = rng.integers(0, 3, len(where))
    spots = rng.random(len(where))
    picks = rng.random(len(where))
    for i, kind, spot, pick in zip(where, kinds, spots, picks, strict=True):
        text = out[i]
        if text is None or len(text) < 4:
            continue
        # Never the first letter: requesters' typos rarely are, and blocking keys use it.
        pos = 1 + int(spot * (len(text) - 2))
        char = text[pos]
        if kind == 0 and char in _NEIGHBOURS:
            options = _NEIGHBOURS[char]
            text = text[:pos] + options[int(pick * len(options))] + text[pos + 1 :]
        elif kind == 1 and char.isalpha():
            text = text[:pos] + text[pos + 1 :]
        elif text[pos + 1 : pos + 2].isalpha() and char.isalpha() and text[pos + 1] != char:
            text = text[:pos] + text[pos + 1] + char + text[pos + 2 :]
        else:
            text = text[:pos] + text[pos + 1 :] if char.isalpha() else text
        out[i] = text
    return pa.array(out, pa.string())


def swap(first: pa.Array, last: pa.Array, mask: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """Given and family names exchanged, as when a family-first name is read given-first."""
    m = pa.array(mask)
    return pc.if_else(m, last, first), pc.if_else(m, first, last)


def mixed_case(values: pa.Array, mask: np.ndarray) -> pa.Array:
    """Title case ("Garcia Lopez") where masked."""
    return pc.if_else(pa.array(mask), pc.utf8_title(values), values)


def zip_plus4(zips: pa.Array, mask: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """A ZIP+4 where masked (the master keeps five digits)."""
    plus = pc.utf8_lpad(pc.cast(pa.array(rng.integers(1, 10_000, len(mask))), pa.string()), 4, "0")
    extended = pc.binary_join_element_wise(zips, plus, "-")
    return pc.if_else(pa.array(mask), extended, zips)


def unit_as_hash(units: pa.Array, mask: np.ndarray) -> pa.Array:
    """``APT 4B`` written ``#4B`` where masked."""
    hashed = pc.replace_substring_regex(units, r"^[A-Z]+ ", "#")
    return pc.if_else(pa.array(mask), hashed, units)
