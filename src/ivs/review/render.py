"""An explanation as Rich renderables: a heading, the decision, one table per candidate."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ivs.review.explain import CandidateView, Explanation

__all__ = ["render_explanation"]


def _weight(value: float | None) -> str:
    return "-" if value is None else f"{value:+.2f}"


def _probability(value: float | None) -> str:
    # Probabilities near 1 are told apart by their distance from 1, so show enough digits.
    return "-" if value is None else f"{value:.6f}"


def _candidate_table(candidate: CandidateView, request_id: str) -> Table:
    marks = []
    if candidate.decided_on:
        marks.append("the candidate the decision is about")
    if candidate.withheld:
        marks.append("withheld: a row of the master set aside may hide a person like this one")
    elif candidate.restricted:
        marks.append("restricted under 6103(i)(6)")
    title = f"Candidate {candidate.rank}: TIN {candidate.tin}" + (
        f" ({'; '.join(marks)})" if marks else ""
    )
    table = Table(title=title, title_justify="left", show_lines=True, expand=False)
    table.add_column("field")
    table.add_column(f"request {request_id}")
    table.add_column("taxpayer of record")
    table.add_column("level")
    table.add_column("meaning")
    table.add_column("weight (bits)", justify="right")
    table.add_row(
        "prior", "", "", "", "odds that a random pair is a match", _weight(candidate.prior_weight)
    )
    for c in candidate.comparisons:
        table.add_row(
            c.comparison, c.request, c.taxpayer, c.level, c.description, _weight(c.weight)
        )
    table.add_row(
        "total",
        "",
        "",
        "",
        f"match probability {_probability(candidate.match_probability)}",
        _weight(candidate.match_weight),
        style="bold",
    )
    found = ", ".join(candidate.found_by) or "-"
    caption = f"found by: {found}"
    if not candidate.index_agrees:
        caption += (
            "\nthe index no longer gives the recorded levels: the master file changed since "
            "the decision, so the taxpayer columns may not be what was compared"
        )
    table.caption = caption
    table.caption_justify = "left"
    return table


def render_explanation(explanation: Explanation) -> RenderableType:
    """Everything ``ivs explain`` prints, as one renderable."""
    e = explanation
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("batch", f"{e.batch_id}, row {e.row}")
    head.add_row("request", e.request_id)
    for label, value in e.request.items():
        head.add_row(f"  {label}", value)
    head.add_row("outcome", e.outcome)
    head.add_row("decision", e.decision_text)
    head.add_row(
        "evidence",
        f"{e.candidates_total} candidate(s), {e.plausible} plausible; best weight "
        f"{_weight(e.match_weight)} (probability {_probability(e.match_probability)}), "
        f"runner-up {_weight(e.runner_up_weight)}",
    )
    head.add_row("rule set", e.rule_set[:16])
    parts: list[RenderableType] = [head]
    if not e.model_agrees:
        parts.append(
            Text(
                "The weights shown are from a model other than the one the decision used "
                "(their sum differs from the recorded weight); pass the batch's --model.",
                style="bold yellow",
            )
        )
    for candidate in e.candidates:
        parts.append(Text(""))
        parts.append(_candidate_table(candidate, e.request_id))
    hidden = e.candidates_total - len(e.candidates)
    if hidden > 0:
        parts.append(Text(f"\n{hidden} lower-weighted candidate(s) not shown (--candidates N)"))
    return Group(*parts)
