"""Per-record candidate lists are cut from one flat table sorted by record, best first."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa

from ivs.batch.match_step import match_batch
from ivs.decide.rules import rule_set_for
from ivs.match.evidence import CANDIDATE_FIELDS, candidate_lists
from ivs.match.model import load_model
from ivs.synth import SynthConfig

from .synth_batch import synth_intake


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
    lists = candidate_lists(records, candidates).to_pylist()
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
    assert candidate_lists(records, candidates.slice(0, 0)).to_pylist() == [None, None]


def test_lists_read_beside_the_commit_are_those_read_at_once(tmp_path: Path) -> None:
    intake, index, settings = synth_intake(
        tmp_path, SynthConfig(taxpayers=2_000, requests=800, seed=5)
    )
    model = load_model(None)
    rules = rule_set_for(settings, model.digest)
    at_once = match_batch(intake, index, model, rules, step=lambda _s: None)
    with ThreadPoolExecutor(max_workers=1) as pool:
        beside = match_batch(intake, index, model, rules, step=lambda _s: None, lists_on=pool)
        # What the commit reads is there before the lists are.
        assert "candidate_list" not in beside.decided.column_names
        assert beside.decided.equals(at_once.decided)
        whole = beside.decisions
    assert whole.equals(at_once.decisions)
    # The decisions file keeps its column order: the lists just before the rule set.
    names = whole.column_names
    assert names[names.index("candidate_list") + 1] == "rule_set"
    assert any(lists for lists in whole.column("candidate_list").to_pylist())
