"""``ivs explain`` and ``ivs review`` through the command line."""

from __future__ import annotations

import json
from collections import defaultdict
from io import StringIO
from typing import Any

import sqlalchemy as sa
from tests.recipients import opened_response
from typer.testing import CliRunner

from ivs.cli import app
from ivs.domain.settings import load_settings
from ivs.ledger.keys import open_ledger
from ivs.review import list_cases

from .conftest import Ran

runner = CliRunner()


def test_explain_prints_the_decision_and_masked_candidates(ran: Ran) -> None:
    result = runner.invoke(app, ["explain", str(ran.out), "R3"], terminal_width=240)
    assert result.exit_code == 0, result.output
    assert "AMBIGUOUS: a second taxpayer matches name and address" in result.output
    assert "***-**-7891" in result.output
    assert "234567891" not in result.output


def test_explain_without_inputs_file_asks_for_manifest(ran: Ran) -> None:
    (ran.out / f"{ran.result.batch_id}.inputs.json").unlink()
    result = runner.invoke(app, ["explain", str(ran.out), "R1"])
    assert result.exit_code == 2
    assert "--manifest" in result.output
    given = runner.invoke(
        app,
        [
            "explain",
            str(ran.out),
            "R1",
            "--manifest",
            str(ran.manifest),
            "--master",
            str(ran.master),
        ],
        terminal_width=240,
    )
    assert given.exit_code == 0, given.output
    assert "MATCHED:" in given.output


def test_unknown_request_exits_not_found(ran: Ran) -> None:
    result = runner.invoke(app, ["explain", str(ran.out), "R404"])
    assert result.exit_code == 6
    assert "R404" in result.output


def test_review_list_decide_release(reviewed: Ran, store: sa.Engine) -> None:
    listed = runner.invoke(app, ["review", "list"], terminal_width=200)
    assert listed.exit_code == 0, listed.output
    assert "4 review case(s)" in listed.output
    case = str(list_cases(store)[0].case_id)

    shown = runner.invoke(app, ["review", "show", case], terminal_width=240)
    assert shown.exit_code == 0, shown.output
    assert f"case {case}: open" in shown.output
    assert "REVIEW: one taxpayer meets every condition" in shown.output

    missing = runner.invoke(app, ["review", "decide", case, "--approve"])
    assert missing.exit_code == 2  # --reason is required
    empty = runner.invoke(app, ["review", "decide", case, "--approve", "--reason", " "])
    assert empty.exit_code == 2
    assert "needs a reason" in empty.output
    both = runner.invoke(app, ["review", "decide", case, "--approve", "--refuse", "--reason", "x"])
    assert both.exit_code == 2

    ok = runner.invoke(
        app, ["review", "decide", case, "--approve", "--reason", "DOB matches", "--by", "j.doe"]
    )
    assert ok.exit_code == 0, ok.output
    assert "approved by j.doe" in ok.output
    again = runner.invoke(app, ["review", "decide", case, "--refuse", "--reason", "no"])
    assert again.exit_code == 7
    assert "already approved" in again.output

    out = reviewed.out / "sent"
    released = runner.invoke(
        app, ["review", "release", reviewed.result.batch_id, "--out", str(out)]
    )
    assert released.exit_code == 0, released.output
    assert "supplement 1" in released.output
    path = out / f"{reviewed.result.batch_id}.supplement-1.package.zip"
    rows = opened_response(path, reviewed.out / "opened").to_pylist()
    assert [(r["request_id"], r["outcome"], r["street_address"], r["zip"]) for r in rows] == [
        ("R1", "DISCLOSED", "55 ELM AVE", "77004")
    ]
    nothing = runner.invoke(app, ["review", "release", reviewed.result.batch_id, "--out", str(out)])
    assert nothing.exit_code == 7
    recorded = entries_by_kind()
    assert [e["body"]["reviewer"] for e in recorded["review_decision"]] == ["j.doe"]
    review_disclosures = [e for e in recorded["disclosure"] if e["body"]["request_id"] == "R1"]
    assert len(review_disclosures) == 1
    assert len(recorded["response_released"]) == 2  # the batch's response and supplement 1


def test_a_hold_keeps_approved_cases_back_until_lifted(reviewed: Ran, store: sa.Engine) -> None:
    case = str(list_cases(store)[0].case_id)
    runner.invoke(app, ["review", "decide", case, "--approve", "--reason", "ok", "--by", "r"])
    placed = runner.invoke(app, ["hold", "add", "--scope", "all", "--order", "TRO of 2025-07-01"])
    assert placed.exit_code == 0, placed.output
    out = reviewed.out / "sent"
    held = runner.invoke(app, ["review", "release", reviewed.result.batch_id, "--out", str(out)])
    assert held.exit_code == 7
    assert "hold in force" in held.output
    runner.invoke(app, ["hold", "lift", placed.output.split()[1], "--order", "TRO dissolved"])
    released = runner.invoke(
        app, ["review", "release", reviewed.result.batch_id, "--out", str(out)]
    )
    assert released.exit_code == 0, released.output


def entries_by_kind() -> dict[str, list[dict[str, Any]]]:
    exported = StringIO()
    open_ledger(load_settings()).export_jsonl(exported)
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in exported.getvalue().splitlines():
        entry = json.loads(json.loads(line)["entry"])
        found[entry["kind"]].append(entry)
    return found
