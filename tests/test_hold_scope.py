"""The one test of what a court hold covers, asked by the disclosure check and the reports."""

from __future__ import annotations

import pytest

from ivs.domain.errors import ConfigError
from ivs.domain.holds import parse_scope


@pytest.mark.parametrize(
    ("scope", "whole_batch", "some_record"),
    [
        ("all", True, True),
        ("agency:ICE", True, True),
        ("agency:CBP", False, False),
        ("batch:B-1", True, True),
        ("batch:B-2", False, False),
        ("state:tx", False, True),
        ("state:CA", False, False),
    ],
)
def test_what_a_scope_covers(scope: str, whole_batch: bool, some_record: bool) -> None:
    parsed = parse_scope(scope)
    assert parsed.covers_batch(agency="ICE", batch_id="B-1") is whole_batch
    assert parsed.covers(agency="ICE", batch_id="B-1", states={"TX", "NM"}) is some_record


@pytest.mark.parametrize("scope", ["", "everything", "state:Texas", "agency:"])
def test_a_scope_not_of_the_four_forms_is_refused(scope: str) -> None:
    with pytest.raises(ConfigError, match="scope"):
        parse_scope(scope)
