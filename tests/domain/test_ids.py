"""The one identifier pattern, and no path named after an input leaving its folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivs.batch.decisions_file import WorkDecisions
from ivs.batch.retention import _batch_files
from ivs.disclose.batch_keys import batch_key_path
from ivs.domain.errors import InvalidIdentifier
from ivs.domain.ids import (
    MAX_CASE_ID,
    BatchKey,
    check_identifier,
    is_case_id,
    is_identifier,
    path_for_id,
)
from ivs.domain.settings import load_settings
from ivs.formats.manifest import check_manifest
from ivs.review.inputs import inputs_path
from ivs.review.release import supplement_path

ATTACKS = [
    "/tmp/x",
    "..",
    ".",
    "a/b",
    "../../..",
    "x/../../y",
    "",
    " ",
    "a\x00b",
    "A" * 101,
    "a\nb",
    "B1\n",
    "-rf",
    ".hidden",
    "@SUM(1+1)",
    "=cmd|x",
    "a\\b",
    "é",
    "C:x",
]


@pytest.mark.parametrize("value", ATTACKS)
def test_what_is_not_an_identifier(value: str) -> None:
    assert not is_identifier(value)
    with pytest.raises(InvalidIdentifier, match="not a valid identifier"):
        check_identifier("batch_id", value)


@pytest.mark.parametrize("value", ["ICE-2025-06-27-A", "SYN-1-A", "R0000042", "a.b_c-d", "9" * 100])
def test_what_is(value: str) -> None:
    assert check_identifier("batch_id", value) == value


def test_case_ids() -> None:
    assert is_case_id(1)
    assert is_case_id(MAX_CASE_ID)
    for bad in (0, -1, MAX_CASE_ID + 1, 10**20, True, "1"):
        assert not is_case_id(bad)


def _inside(path: Path, base: Path) -> bool:
    base_text = os.path.normpath(os.path.abspath(base))
    text = os.path.normpath(os.path.abspath(path))
    return os.path.commonpath([base_text, text]) == base_text and text != base_text


@given(st.text(max_size=120) | st.sampled_from(ATTACKS))
def test_no_path_named_after_an_input_leaves_its_folder(value: str) -> None:
    home = Path("/srv/ivs-home")
    out = Path("/srv/answers")
    settings = load_settings(home=home)
    makers = [
        # A batch is its agency's: the agency code and the id each name a folder.
        lambda: WorkDecisions.of(settings, BatchKey("DHS-ICE", value)).path,
        lambda: WorkDecisions.of(settings, BatchKey(value, "B-1")).path,
        lambda: batch_key_path(home, BatchKey("DHS-ICE", value)),
        lambda: batch_key_path(home, BatchKey(value, "B-1")),
        lambda: BatchKey(value, value).folder(home / "work"),
        lambda: path_for_id(out, value, ".response.csv"),
        lambda: path_for_id(out, value, ".decisions.parquet"),
        lambda: path_for_id(home / "work", value, ""),
        lambda: inputs_path(out, value),
        lambda: supplement_path(out, value, 3),
    ]
    for make in makers:
        try:
            path = make()
        except InvalidIdentifier:
            assert not is_identifier(value)
            continue
        assert is_identifier(value)
        keys = home / "keys" / "batches"
        base = keys if path.is_relative_to(keys) else home / "work"
        base = base if path.is_relative_to(home) else out
        assert _inside(path, base), (value, path)
    # The manifest refuses every batch id that is not one, before anything is named after it.
    problems = check_manifest({"batch_id": value, "requesting_agency": value}, "m.json")
    assert any(p.field == "batch_id" for p in problems) == (not is_identifier(value))
    assert any(p.field == "requesting_agency" for p in problems) == (not is_identifier(value))


@given(st.text(max_size=40))
def test_purge_names_only_its_own_files(value: str) -> None:
    out = Path("/nonexistent-answers")
    try:
        found = _batch_files(out, value)
    except InvalidIdentifier:
        assert not is_identifier(value)
    else:
        assert all(_inside(p, out) for p in found)


def test_a_suffix_may_not_climb() -> None:
    with pytest.raises(ValueError, match="suffix"):
        path_for_id(Path("/srv"), "B1", "/../../etc")


def test_a_case_number_past_the_store_integer_is_not_found(ivs_home: Path) -> None:
    from ivs.domain.errors import NotFound
    from ivs.review.queue import get_case
    from ivs.store import open_store

    store = open_store(load_settings())
    for case in (0, MAX_CASE_ID + 1, 10**20):
        with pytest.raises(NotFound, match="no review case"):
            get_case(store, case)
