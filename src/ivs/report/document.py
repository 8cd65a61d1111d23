"""A report as values (sections of totals, figures and tables) and its one HTML rendering.

The page is self-contained: styles inline, charts as inline SVG, no script and no address
outside the file, so it opens offline and prints to clean pages. Every total carries a
``data-total`` attribute with its key, so that a checker can read the numbers back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import jinja2
from markupsafe import Markup

from ivs.report.source import LedgerBasis

__all__ = ["Cell", "Figure", "Report", "Section", "Table", "Total", "render_html"]

Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    title: str = ""


@dataclass(frozen=True, slots=True)
class Total:
    """One headline number; ``key`` names it for anyone checking the report."""

    key: str
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class Figure:
    svg: str
    caption: str
    data: Table


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    totals: list[Total] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Report:
    title: str
    subtitle: str
    basis: LedgerBasis
    generated_at: str
    sections: list[Section]
    facts: list[tuple[str, str]] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        """Every headline number by key."""
        return {t.key: t.value for s in self.sections for t in s.totals}


def _cell(value: Cell) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.1f}"
    return value


def _numeric(value: Cell) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: (
                resources.files("ivs.report")
                .joinpath("templates", name)
                .read_text(encoding="utf-8")
            )
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["cell"] = _cell
    environment.tests["numeric"] = _numeric
    return environment


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    template = _environment().get_template("report.html")
    return template.render(
        report=report,
        svg=lambda figure: Markup(figure.svg),  # our own matplotlib output, not input text
    )
