"""Per-record candidate lists are cut from one flat table sorted by record, best first."""

from __future__ import annotations

import pyarrow as pa

from ivs.batch.run import CANDIDATE_FIELDS, _candidate_lists


def _candidate(row: int, tin: str, weight: float) -> dict[str, object]:
    values: dict[str, object] = dict.fromkeys(CANDIDATE_FIELDS, False)
    values.update(
        {
            "_row": row,
            "tin": tin,
            "match_weight": weight,
            "match_probability": 0.5,
            **{f"{level}_level": 1 for level in ("name", "address", "tin", "dob", "suffix")},
        }
    )
    return values


def test_each_record_gets_its_own_candidates_and_none_is_null() -> None:
    records = pa.table({"_row": [2, 3, 5, 9]})
    flat = [
        _candidate(2, "111", 9.0),
        _candidate(2, "222", 1.0),
        _candidate(5, "333", 4.0),
        _candidate(9, "444", 7.0),
        _candidate(9, "555", 7.0),
        _candidate(9, "666", -2.0),
    ]
    candidates = pa.Table.from_pylist(flat).select(["_row", *CANDIDATE_FIELDS])
    lists = _candidate_lists(records, candidates).to_pylist()
    assert [None if c is None else [x["tin"] for x in c] for c in lists] == [
        ["111", "222"],
        None,
        ["333"],
        ["444", "555", "666"],
    ]
    assert lists[0] is not None
    assert set(lists[0][0]) == set(CANDIDATE_FIELDS)


def test_no_candidates_at_all() -> None:
    records = pa.table({"_row": [1, 2]})
    candidates = pa.Table.from_pylist([_candidate(1, "1", 0.0)]).select(["_row", *CANDIDATE_FIELDS])
    assert _candidate_lists(records, candidates.slice(0, 0)).to_pylist() == [None, None]
