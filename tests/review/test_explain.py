"""``explain_request`` on the hand-made world: what a disclosure officer or a judge reads."""

from __future__ import annotations

import pytest
from rich.console import Console

from ivs.batch.explain_step import explain_request
from ivs.domain.engine import Engine
from ivs.domain.errors import Conflict, NotFound
from ivs.domain.settings import Settings
from ivs.engines.base import EngineChoice
from ivs.match.model import load_model
from ivs.review import Explanation, mask_tin, render_explanation

from .conftest import Ran

FULL_TINS = ("123456789", "234567891", "345678912", "912701234")


def explain(ran: Ran, request_id: str) -> Explanation:
    return explain_request(
        ran.result.decisions,
        request_id,
        manifest=ran.manifest,
        index=ran.index,
        model=load_model(),
        ambiguity_margin=Settings().ambiguity_margin_bits,
    )


def rendered(explanation: Explanation) -> str:
    console = Console(record=True, width=240)
    console.print(render_explanation(explanation))
    return console.export_text()


def test_matched_shows_the_address_compared_and_weights_that_add_up(ran: Ran) -> None:
    e = explain(ran, "R1")
    assert (e.outcome, e.decision_code) == ("DISCLOSED", "MATCHED")
    assert e.decision_text.startswith("MATCHED: exactly one taxpayer")
    assert e.request["name"] == "José Luis García"
    best = [c for c in e.candidates if c.decided_on]
    assert len(best) == 1
    c = best[0]
    assert c.tin == "***-**-6789"
    levels = {x.comparison: x for x in c.comparisons}
    # The request gave the 2022 address; that address of record is the one compared, not
    # the last known one that is disclosed.
    assert levels["address"].level == "exact"
    assert levels["address"].taxpayer == "100 N MAIN ST APT 4, HOUSTON TX 77002"
    assert levels["address"].request == levels["address"].taxpayer
    assert levels["name"].taxpayer == "GARCIA MARQUEZ, JOSE LUIS"
    assert levels["tin"].level == "missing"
    # Middle names are compared for the rules and shown, with no weight in the model.
    assert (levels["middle"].level, levels["middle"].weight) == ("missing", 0.0)
    assert c.found_by
    assert c.index_agrees
    assert e.model_agrees
    assert c.prior_weight + sum(x.weight for x in c.comparisons) == pytest.approx(c.match_weight)
    assert e.match_weight == pytest.approx(c.match_weight)


def test_ambiguous_names_rule_6_and_shows_both_taxpayers_masked(ran: Ran) -> None:
    e = explain(ran, "R3")
    assert (e.outcome, e.decision_code) == ("NOT_DISCLOSED", "AMBIGUOUS")
    assert e.decision_text.startswith(
        "AMBIGUOUS: a second taxpayer matches name and address at a comparable level"
    )
    assert e.decision_text.endswith("(rule 6)")
    assert e.plausible == 2
    assert {c.tin for c in e.candidates} == {"***-**-7891", "***-**-8912"}
    for c in e.candidates:
        levels = {x.comparison: x.level for x in c.comparisons}
        assert (levels["name"], levels["address"]) == ("exact", "exact")
        # The request gives no suffix; the taxpayers are SR and JR.
        assert levels["suffix"] == "one_missing"
    text = rendered(e)
    assert "AMBIGUOUS: a second taxpayer" in text
    assert "***-**-7891" in text
    assert "***-**-8912" in text
    assert "same delivery line, unit and ZIP code" in text
    for tin in FULL_TINS:
        assert tin not in text


def test_rejected_request_explains_the_intake_code(ran: Ran) -> None:
    e = explain(ran, "R8")
    assert e.decision_code == "ANUMBER_MISSING"
    assert "refused at intake" in e.decision_text
    assert e.decision_text.endswith("(rule 1)")
    assert e.candidates == ()
    assert e.request["TIN"] == "***-**-3456"


def test_restricted_candidate_is_marked(ran: Ran) -> None:
    e = explain(ran, "R7")
    assert e.decision_code == "RESTRICTED"
    assert "6103(i)(6)" in e.decision_text
    assert any(c.restricted and c.decided_on for c in e.candidates)
    assert "restricted under 6103(i)(6)" in rendered(e)


def test_unknown_request_is_not_found(ran: Ran) -> None:
    with pytest.raises(NotFound, match="R99"):
        explain(ran, "R99")


def test_a_different_batch_manifest_is_refused(ran: Ran) -> None:
    raw = ran.manifest.read_text(encoding="utf-8").replace(
        ran.result.batch_id, ran.result.batch_id + "-OTHER"
    )
    other = ran.manifest.with_name("other.manifest.json")
    other.write_text(raw, encoding="utf-8")
    with pytest.raises(Conflict, match="not"):
        explain_request(
            ran.result.decisions,
            "R1",
            manifest=other,
            index=ran.index,
            model=load_model(),
            ambiguity_margin=Settings().ambiguity_margin_bits,
        )


def test_mask_tin() -> None:
    assert mask_tin("123456789") == "***-**-6789"
    assert mask_tin(None) == "-"


def test_explain_recomputes_on_the_engine_it_is_given(ran: Ran) -> None:
    opened: list[str] = []

    class Recorded(EngineChoice):
        def open(self, *, threads: int | None = None) -> Engine:
            engine = super().open(threads=threads)
            opened.append(engine.dialect)
            return engine

    e = explain_request(
        ran.result.decisions,
        "R1",
        manifest=ran.manifest,
        index=ran.index,
        model=load_model(),
        ambiguity_margin=Settings().ambiguity_margin_bits,
        engine_choice=Recorded(),
    )
    assert opened == ["duckdb"]
    assert all(c.index_agrees for c in e.candidates)
