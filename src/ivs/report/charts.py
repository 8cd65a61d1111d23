"""Charts as inline SVG, drawn by matplotlib without a display or a network.

Text stays text in the SVG (``svg.fonttype = none``) so that it prints sharply and is
searchable; ids are salted with a fixed string so that the same figures give the same bytes.
matplotlib loads with the first chart drawn: a third of a second that the reports' exports,
the web service's other pages and ``ivs --help`` do without.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

__all__ = ["COLORS", "grouped_stacks", "histogram", "stacked_bars", "time_series"]

# Colour-blind-safe (Okabe-Ito), and distinguishable in greyscale print by lightness.
COLORS = {
    "DISCLOSED": "#0072B2",
    "NOT_DISCLOSED": "#E69F00",
    "REJECTED": "#CC3311",
    "neutral": "#555555",
    "lawful": "#0072B2",
    "unlawful": "#CC3311",
    "other": "#E69F00",
}
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC3311", "#56B4E9", "#000000", "#CC79A7")

_STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "ivs-report",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
}


@contextlib.contextmanager
def _style() -> Iterator[None]:
    import matplotlib as mpl  # noqa: PLC0415

    with mpl.rc_context(_STYLE):
        yield


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with _style():
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    # Inline SVG needs no XML prolog or doctype, nor the RDF block naming the drawing tool.
    return _METADATA.sub("", text[text.index("<svg") :], count=1)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure  # noqa: PLC0415

    with _style():
        return Figure(figsize=(width, height), layout="constrained")


def _axes(figure: Figure, *grid: int) -> Axes:
    with _style():
        return figure.add_subplot(*grid) if grid else figure.add_subplot()


def stacked_bars(
    labels: Sequence[str],
    stacks: Mapping[str, Sequence[int]],
    *,
    xlabel: str,
    colors: Mapping[str, str] | None = None,
) -> str:
    """Horizontal bars, one per label (top to bottom), each split into ``stacks``."""
    height = max(1.6, 0.28 * len(labels) + 0.9)
    figure = _figure(7.0, height)
    axes = _axes(figure)
    positions = list(range(len(labels)))[::-1]
    left = [0] * len(labels)
    with _style():
        for k, (name, values) in enumerate(stacks.items()):
            color = (colors or {}).get(name, _SERIES[k % len(_SERIES)])
            axes.barh(positions, values, left=left, color=color, label=name.replace("_", " "))
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.set_yticks(positions, labels)
        axes.set_xlabel(xlabel)
        if len(stacks) > 1:
            axes.legend(frameon=False, loc="lower right")
        for position, total in zip(positions, left, strict=True):
            axes.annotate(
                f"{total:,}",
                (total, position),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        axes.margins(x=0.12)
    return _svg(figure)


def histogram(
    edges: Sequence[float],
    counts: Sequence[int],
    *,
    thresholds: Sequence[tuple[float, str]],
    zoom_edges: Sequence[float],
    zoom_counts: Sequence[int],
) -> str:
    """Counts per bin over [0, 1], and the top of the range enlarged, thresholds drawn."""
    figure = _figure(7.0, 2.8)
    with _style():
        for position, (bins, values, title) in enumerate(
            (
                (edges, counts, "whole range"),
                (zoom_edges, zoom_counts, f"from {zoom_edges[0]:g} to 1"),
            ),
            start=1,
        ):
            axes = _axes(figure, 1, 2, position)
            widths = [b - a for a, b in itertools.pairwise(bins)]
            axes.bar(bins[:-1], values, width=widths, align="edge", color=COLORS["neutral"])
            for k, (value, label) in enumerate(thresholds):
                if bins[0] <= value <= bins[-1]:
                    axes.axvline(value, color=_SERIES[3 - 2 * k], linestyle="--", linewidth=1.2)
                    if position == 1:
                        continue  # on the whole range the lines nearly touch: label the zoom
                    axes.annotate(
                        f"{label} {value:g}",
                        (value, 1.0),
                        xycoords=("data", "axes fraction"),
                        xytext=(-3, -4 - 11 * k),
                        textcoords="offset points",
                        ha="right",
                        va="top",
                        fontsize=8,
                        color=_SERIES[3 - 2 * k],
                    )
            axes.set_xlim(bins[0], bins[-1])
            axes.set_title(title)
            axes.set_xlabel("match probability of the best candidate")
            if position == 1:
                axes.set_ylabel("records")
    return _svg(figure)


def time_series(
    periods: Sequence[str],
    series: Mapping[str, Sequence[int]],
    *,
    ylabel: str,
    bars: bool = False,
) -> str:
    """Each series over ``periods`` (labels on the x axis): lines, or grouped bars for
    small counts whose lines would hide one another."""
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    figure = _figure(7.0, 2.8)
    axes = _axes(figure)
    with _style():
        x = list(range(len(periods)))
        width = 0.8 / max(1, len(series))
        for k, (name, values) in enumerate(series.items()):
            color = _SERIES[k % len(_SERIES)]
            if bars:
                offset = (k - (len(series) - 1) / 2) * width
                axes.bar([p + offset for p in x], values, width=width, color=color, label=name)
            else:
                axes.plot(x, values, marker="o", markersize=3, color=color, label=name)
        step = max(1, len(periods) // 12)
        axes.set_xticks(x[::step], list(periods)[::step], rotation=45, ha="right")
        axes.set_ylabel(ylabel)
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(figure)


def grouped_stacks(
    groups: Sequence[str], parts: Mapping[str, Sequence[int]], colors: Mapping[str, str]
) -> str:
    """Vertical bars, one per group, each split into ``parts`` (stacked)."""
    figure = _figure(7.0, 2.8)
    axes = _axes(figure)
    with _style():
        bottom = [0] * len(groups)
        x = list(range(len(groups)))
        for name, values in parts.items():
            axes.bar(x, values, bottom=bottom, color=colors[name], label=name, width=0.55)
            bottom = [a + b for a, b in zip(bottom, values, strict=True)]
        for position, total in zip(x, bottom, strict=True):
            axes.annotate(
                f"{total:,}",
                (position, total),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
        axes.set_xticks(x, list(groups))
        axes.set_ylabel("addresses disclosed")
        axes.margins(y=0.15)
        axes.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(figure)
