"""``ivs explain`` and ``ivs review`` through the command line."""

from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner

from ivs.cli import app
from ivs.formats import read_response
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
    path = out / f"{reviewed.result.batch_id}.supplement-1.response.csv"
    rows = read_response(path).to_pylist()
    assert [(r["request_id"], r["outcome"], r["street_address"], r["zip"]) for r in rows] == [
        ("R1", "DISCLOSED", "55 ELM AVE", "77004")
    ]
    nothing = runner.invoke(app, ["review", "release", reviewed.result.batch_id, "--out", str(out)])
    assert nothing.exit_code == 7
