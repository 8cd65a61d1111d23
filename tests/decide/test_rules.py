"""The decision rules, exhaustively over the evidence that matters."""

from __future__ import annotations

import itertools

import pyarrow as pa
import pytest

from ivs.decide import RuleSet, decide

RULES = RuleSet(
    disclosure_threshold=0.999,
    review_threshold=0.95,
    ambiguity_margin=6.0,
    model_digest="m",
    software_version="t",
)


def evidence(**values: object) -> pa.Table:
    row = {
        "rejection_code": None,
        "held": False,
        "candidates": 1,
        "name_matches": 1,
        "name_address_matches": 1,
        "plausible": 1,
        "best_weight": 30.0,
        "runner_up_weight": None,
        "best_probability": 0.99999,
        "best_restricted": False,
        "any_tin_conflict": False,
        "any_dob_conflict": False,
        "set_aside_rivals": 0,
    }
    row.update(values)
    return pa.Table.from_pylist([row])


def code(**values: object) -> tuple[str, str]:
    out = decide(evidence(**values), RULES).to_pylist()[0]
    return out["outcome"], out["decision_code"]


def test_a_confident_unique_lawful_match_is_disclosed() -> None:
    assert code() == ("DISCLOSED", "MATCHED")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"rejection_code": "ADDRESS_PLACEHOLDER"}, ("REJECTED", "REJECTED")),
        ({"held": True}, ("NOT_DISCLOSED", "HELD")),
        ({"candidates": 0}, ("NOT_DISCLOSED", "NO_CANDIDATE")),
        ({"name_matches": 0}, ("NOT_DISCLOSED", "NAME_MISMATCH")),
        ({"name_address_matches": 0}, ("NOT_DISCLOSED", "ADDRESS_MISMATCH")),
        ({"plausible": 0, "any_tin_conflict": True}, ("NOT_DISCLOSED", "TIN_CONFLICT")),
        ({"plausible": 0, "any_dob_conflict": True}, ("NOT_DISCLOSED", "DOB_CONFLICT")),
        ({"plausible": 0}, ("NOT_DISCLOSED", "NAME_MISMATCH")),
        ({"plausible": 2, "runner_up_weight": 30.0}, ("NOT_DISCLOSED", "AMBIGUOUS")),
        ({"plausible": 2, "runner_up_weight": 24.5}, ("NOT_DISCLOSED", "AMBIGUOUS")),
        ({"plausible": 2, "runner_up_weight": 23.9}, ("DISCLOSED", "MATCHED")),
        # Another of the name at the address, told apart only by a date set aside: either.
        ({"set_aside_rivals": 1}, ("NOT_DISCLOSED", "AMBIGUOUS")),
        (
            {"plausible": 0, "any_dob_conflict": True, "set_aside_rivals": 1},
            ("NOT_DISCLOSED", "DOB_CONFLICT"),
        ),
        ({"best_restricted": True}, ("NOT_DISCLOSED", "RESTRICTED")),
        ({"best_probability": 0.999}, ("DISCLOSED", "MATCHED")),
        ({"best_probability": 0.998}, ("NOT_DISCLOSED", "REVIEW")),
        ({"best_probability": 0.95}, ("NOT_DISCLOSED", "REVIEW")),
        ({"best_probability": 0.94}, ("NOT_DISCLOSED", "BELOW_THRESHOLD")),
    ],
)
def test_each_rule(values: dict[str, object], expected: tuple[str, str]) -> None:
    assert code(**values) == expected


FLAGS = (
    "rejected",
    "held",
    "no_candidate",
    "no_name",
    "no_address",
    "not_plausible",
    "ambiguous",
    "restricted",
    "tin_conflict",
    "dob_conflict",
    "set_aside_rival",
)


@pytest.mark.parametrize("flags", list(itertools.product([False, True], repeat=len(FLAGS))))
def test_disclosure_only_when_every_condition_holds(flags: tuple[bool, ...]) -> None:
    f = dict(zip(FLAGS, flags, strict=True))
    values = {
        "rejection_code": "NAME_PLACEHOLDER" if f["rejected"] else None,
        "held": f["held"],
        "candidates": 0 if f["no_candidate"] else 2,
        "name_matches": 0 if f["no_name"] else 2,
        "name_address_matches": 0 if f["no_address"] else 2,
        "plausible": 0 if f["not_plausible"] else (2 if f["ambiguous"] else 1),
        "runner_up_weight": 29.0 if f["ambiguous"] else None,
        "best_restricted": f["restricted"],
        "any_tin_conflict": f["tin_conflict"],
        "any_dob_conflict": f["dob_conflict"],
        "set_aside_rivals": int(f["set_aside_rival"]),
    }
    outcome, decision = code(**values)
    blocked = any(f[k] for k in FLAGS if k not in ("tin_conflict", "dob_conflict"))
    assert (outcome == "DISCLOSED") is (not blocked)
    assert (outcome == "REJECTED") is f["rejected"]
    if outcome == "DISCLOSED":
        assert decision == "MATCHED"


def test_many_rows_at_once_keep_their_order() -> None:
    rows = pa.concat_tables([evidence(), evidence(candidates=0), evidence(held=True)])
    assert decide(rows, RULES).column("decision_code").to_pylist() == [
        "MATCHED",
        "NO_CANDIDATE",
        "HELD",
    ]


def test_rule_set_digest_changes_with_any_parameter() -> None:
    other = RuleSet(0.9999, 0.95, 6.0, "m", "t")
    assert other.digest != RULES.digest
    assert RuleSet(0.999, 0.95, 6.0, "m", "t").digest == RULES.digest
