"""Distinct combinations of name codes, numbered by hashing: what the names' columnar path
spreads its per-distinct work with."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ivs.standardize.name_arrow import distinct_codes

_COLUMNS = st.integers(1, 3).flatmap(
    lambda width: st.lists(st.tuples(*[st.integers(0, 4)] * width), min_size=0, max_size=60)
)


@given(_COLUMNS)
@settings(max_examples=300, deadline=None)
def test_each_distinct_combination_is_numbered_once_from_its_first_row(
    rows: list[tuple[int, ...]],
) -> None:
    width = len(rows[0]) if rows else 2
    columns = [np.array([row[c] for row in rows], dtype=np.int64) for c in range(width)]
    first_rows, inverse = distinct_codes(*[(column, 4) for column in columns])

    assert len(inverse) == len(rows)
    assert len(first_rows) == len(set(rows))
    # Numbered as they first appear: combination k first appears at first_rows[k].
    seen: dict[tuple[int, ...], int] = {}
    for r, row in enumerate(rows):
        seen.setdefault(row, r)
        assert rows[first_rows[inverse[r]]] == row
        assert first_rows[inverse[r]] == seen[row]
    assert list(first_rows) == sorted(seen.values())
    assert list(inverse[first_rows]) == list(range(len(first_rows)))
