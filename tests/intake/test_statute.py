from __future__ import annotations

import pytest

from ivs.intake.statute import is_title_26, normalize_statute, statute_problem

ALLOW = ("8 U.S.C. 1253(a)(1)",)


@pytest.mark.parametrize(
    "text",
    [
        "8 U.S.C. 1253(a)(1)",
        "8 USC 1253(a)(1)",
        "8 U.S.C. § 1253(a)(1)",
        " 8  u.s.c.  §§ 1253 (a)(1) ",
        "8 U. S. C. Sec. 1253(a)(1)",
        "8 USC Section 1253(a)(1)",
    ],
)
def test_spellings_of_the_allowed_statute_are_accepted(text: str) -> None:
    assert statute_problem(text, ALLOW) is None


@pytest.mark.parametrize("text", ["8 U.S.C. 1253(b)", "18 U.S.C. 1001", "8 U.S.C. 1325"])
def test_other_statutes_are_refused(text: str) -> None:
    problem = statute_problem(text, ALLOW)
    assert problem is not None
    assert "allow-list" in problem


@pytest.mark.parametrize(
    "text", ["26 U.S.C. 7201", "26 USC § 7206(1)", "I.R.C. 7201", "Internal Revenue Code 7203"]
)
def test_title_26_is_always_refused_even_if_allowed(text: str) -> None:
    assert is_title_26(text)
    problem = statute_problem(text, (*ALLOW, text))
    assert problem is not None
    assert "Title 26" in problem


def test_normal_form() -> None:
    assert normalize_statute("8 U.S.C. § 1253 (a)(1)") == "8 USC 1253(A)(1)"
