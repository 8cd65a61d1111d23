"""Street ids: one per (street name, suffix), numbered alike however the forms are sliced."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from ivs.match.street_ids import StreetIds

STREETS = st.lists(
    st.tuples(st.sampled_from(["MAIN", "OAK", "ELM", None]), st.sampled_from(["ST", "AVE", None])),
    max_size=40,
)


def _ids(ids: StreetIds, rows: list[tuple[str | None, str | None]]) -> list[int | None]:
    names = pa.chunked_array([pa.array([n for n, _ in rows], pa.string())])
    suffixes = pa.chunked_array([pa.array([s for _, s in rows], pa.string())])
    return ids.ids(names, suffixes).to_pylist()


def test_a_street_without_a_name_has_no_id_and_suffixes_tell_streets_apart() -> None:
    ids = StreetIds()
    assert _ids(ids, [("MAIN", "ST"), ("MAIN", None), (None, "ST"), ("MAIN", "ST")]) == [
        0,
        1,
        None,
        0,
    ]
    assert ids.table().to_pylist() == [
        {"street_id": 0, "addr_street_name": "MAIN", "addr_suffix": "ST"},
        {"street_id": 1, "addr_street_name": "MAIN", "addr_suffix": None},
    ]


@given(STREETS, st.integers(min_value=1, max_value=7))
def test_slices_of_any_size_number_the_streets_alike(
    rows: list[tuple[str | None, str | None]], size: int
) -> None:
    whole, sliced = StreetIds(), StreetIds()
    at_once = _ids(whole, rows)
    in_slices = [
        i for start in range(0, len(rows), size) for i in _ids(sliced, rows[start : start + size])
    ]
    assert in_slices == at_once
    assert sliced.table().equals(whole.table())
    # One id per street, the same street always the same id.
    named = [(row, i) for row, i in zip(rows, at_once, strict=True) if row[0] is not None]
    assert len({row for row, _ in named}) == len({i for _, i in named})
