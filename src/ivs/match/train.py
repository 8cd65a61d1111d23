"""Estimating the Fellegi–Sunter parameters: u by random sampling, m from TIN-verified pairs
and reviewers' decisions.

Unsupervised EM is deliberately not used: on household-rich data it learns "same household"
rather than "same person". Instead, requests whose TIN names a taxpayer are labelled pairs
(their other comparisons give m), and requests paired with random taxpayers give u. The TIN
comparison itself cannot be learned from TIN-labelled pairs; its m and u follow from the share
of requests that carry a TIN. Reviewers' decisions on the batch's review cases are labels
too: an approved pair joins the m pairs, a refused pair leaves them (the reviewer saw that a
TIN-verified pair was not the same person). Counts are smoothed (one pseudo-observation per
level at the labelled sample's scale) so no level has zero
probability.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from ivs.domain.engine import Engine, SqlStep
from ivs.domain.errors import ConfigError
from ivs.match.comparisons import ADDRESS, COMPARISONS, NAME, TIN
from ivs.match.model import LevelWeight, MatchModel
from ivs.match.pipeline import blocking_steps, comparison_steps
from ivs.match.tin_keys import with_tin_keys

__all__ = ["train_model"]

U_SAMPLES_PER_REQUEST = 20
# Comparisons whose first level is exact agreement, the strongest evidence they give.
ORDERED = (NAME, ADDRESS)
# Of requests that carry a TIN, the share assumed mistyped when the person is right.
TIN_ERROR_RATE = 0.01


def _level_counts(engine: Engine) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = {}
    for comparison in COMPARISONS:
        rows = engine.arrow(
            f"SELECT {comparison.name}_level AS level, count(*) AS n FROM compared GROUP BY 1"
        ).to_pylist()
        found = {int(r["level"]): int(r["n"]) for r in rows}
        counts[comparison.name] = [found.get(i, 0) for i in range(len(comparison.levels))]
    return counts


def _smoothed(m_counts: list[int], u_counts: list[int]) -> tuple[list[float], list[float]]:
    """m and u per level, each count given one pseudo-observation at the scale of the labelled
    sample: u's counts are first scaled to the labelled sample's size.

    A level seen in neither sample then has m = u, no evidence either way (Laplace smoothing of
    each sample on its own gave such a level log2(random pairs / labelled pairs), +4.5 bits on
    a batch of 1,853 labelled and 41,860 random pairs, even for a suffix conflict). And no
    level can weigh more than the labelled pairs can show: a level never met among random
    pairs counts as met once in as many of them as there are labelled pairs, so a batch of 2,000
    labelled pairs gives no level more than about 11 bits, where the 42,000 random pairs alone
    claimed 15 and more.
    """
    n_m, n_u, k = sum(m_counts), sum(u_counts), len(m_counts)
    scale = n_m / max(n_u, 1)
    m = [(c + 1) / (n_m + k) for c in m_counts]
    u = [(c * scale + 1) / (n_m + k) for c in u_counts]
    return m, u


def _capped_by_exact(m: list[float], u: list[float]) -> list[float]:
    """u raised where needed so that no level outweighs the first, exact agreement.

    A level can look stronger than exact in the counts when it is only reached by pairs that
    passed a gate (typo-level names are tried only where the address matches), which random
    pairs rarely do; a typing error must still count for less than an exact name.
    """
    cap = m[0] / u[0]
    return [u[0], *(max(ui, mi / cap) for mi, ui in zip(m[1:], u[1:], strict=True))]


def train_model(
    engine: Engine,
    *,
    on: date,
    step: Callable[[str], None],
    reviewed: pa.Table | None = None,
) -> MatchModel:
    """A model from the ``req``/``tp``/``forms``/``addr``/``restr`` tables in ``engine``;
    ``reviewed`` (request_id, tin, approved) holds reviewers' decisions on this batch."""
    step("comparing TIN-verified and reviewed pairs (m)")
    labels = (
        reviewed
        if reviewed is not None
        else pa.table(
            {
                "request_id": pa.array([], pa.string()),
                "tin": pa.array([], pa.string()),
                "approved": pa.array([], pa.bool_()),
            }
        )
    )
    # Reviewers name taxpayers by their TINs' digits; the engine holds TINs as integers.
    engine.register("review_labels", with_tin_keys(labels))
    labelled = SqlStep(
        "pairs",
        """
        (SELECT r.request_key, t.tin FROM req r JOIN tp t ON r.tin_norm = t.tin
         UNION
         SELECT r.request_key, l.tin FROM review_labels l
         JOIN req r ON r.request_id = l.request_id WHERE l.approved)
        EXCEPT
        SELECT r.request_key, l.tin FROM review_labels l
        JOIN req r ON r.request_id = l.request_id WHERE NOT l.approved
        """,
    )
    engine.run([labelled, *comparison_steps(on=on)])
    m_counts = _level_counts(engine)
    labelled_pairs = sum(m_counts["name"])
    if labelled_pairs < 100:
        raise ConfigError(
            f"only {labelled_pairs} requests carry a TIN that names a taxpayer; at least 100 "
            "labelled pairs are needed to estimate m. Train on a batch with more TINs."
        )

    step("comparing random pairs (u)")
    taxpayers = int(str(engine.scalar("SELECT count(*) FROM tp")))
    random_pairs = SqlStep(
        "pairs",
        f"""
        SELECT r.request_key, t.tin
        FROM (SELECT request_key, s, hash(request_id, s) % {taxpayers} AS k
              FROM req, range({U_SAMPLES_PER_REQUEST}) AS g(s)) r
        JOIN (SELECT tin, row_number() OVER (ORDER BY tin) - 1 AS k FROM tp) t ON t.k = r.k
        """,
    )
    engine.run([random_pairs, *comparison_steps(on=on)])
    u_counts = _level_counts(engine)

    step("estimating the prior from blocked pairs")
    engine.run(blocking_steps())
    requests = int(str(engine.scalar("SELECT count(*) FROM req")))
    with_tin = int(str(engine.scalar("SELECT count(*) FROM req WHERE tin_norm IS NOT NULL")))
    blocked = int(str(engine.scalar("SELECT count(*) FROM pairs")))
    matched_share = labelled_pairs / max(with_tin, 1)
    prior = min(max(matched_share * requests / max(blocked, 1), 1e-6), 0.5)

    levels: dict[str, dict[str, LevelWeight]] = {}
    for comparison in COMPARISONS:
        if comparison is TIN:
            continue
        m, u = _smoothed(m_counts[comparison.name], u_counts[comparison.name])
        if comparison in ORDERED:
            u = _capped_by_exact(m, u)
        levels[comparison.name] = {
            label: LevelWeight(m[i], u[i]) for i, label in enumerate(comparison.labels())
        }
    share_with_tin = max(min(with_tin / max(requests, 1), 0.999), 0.001)
    levels["tin"] = {
        "agree": LevelWeight(share_with_tin * (1 - TIN_ERROR_RATE), max(1.0 / taxpayers, 1e-9)),
        "disagree": LevelWeight(share_with_tin * TIN_ERROR_RATE, share_with_tin),
        "missing": LevelWeight(1 - share_with_tin, 1 - share_with_tin),
    }
    summary = {
        "trained_on": on.isoformat(),
        "requests": requests,
        "requests_with_tin": with_tin,
        "labelled_pairs": labelled_pairs,
        "review_labels": {
            "approved": int(pc.sum(labels.column("approved")).as_py() or 0),
            "refused": labels.num_rows - int(pc.sum(labels.column("approved")).as_py() or 0),
        },
        "random_pairs": sum(u_counts["name"]),
        "blocked_pairs": blocked,
        "taxpayers": taxpayers,
        "m_counts": m_counts,
        "u_counts": u_counts,
    }
    return MatchModel(prior=prior, levels=levels, summary=summary)
