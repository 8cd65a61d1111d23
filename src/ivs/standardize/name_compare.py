"""How closely two standardized names agree: an ordered level with its explanation.

Each level is defined over the ``name_*`` columns alone, by equality, list intersection and a
Jaro–Winkler threshold on single tokens, so the matching stage can compute the same level in
SQL (``list_has_any``, ``list_sort(list_distinct(...))``, ``jaro_winkler_similarity``). "Given"
and "surname" sides may be crossed: a rule holds *straight* (given with given, surname with
surname) or *swapped* (A's given with B's surnames and A's surnames with B's given), because
agencies put family-first names in either order.

=========  ====================================================================================
level      holds when (first that applies, strongest first)
=========  ====================================================================================
EXACT      ``name_full`` equal
REORDERED  ``name_tokens`` equal as sets (same words, another order or split between fields)
PARTIAL    given tokens intersect and surname tokens intersect (straight or swapped): a
           compound reduced to one surname, a middle name given on one side only
VARIANT    given keys intersect and surname keys intersect (straight or swapped): nickname,
           diminutive or romanisation variant (BILL/WILLIAM, PEPE/JOSE, CHOE/CHOI)
TYPO       each side agrees by key or by a token pair with Jaro–Winkler at least
           ``GIVEN_THRESHOLD`` (given) / ``SURNAME_THRESHOLD`` (surname); a given pair that
           differs only in a final A/O (MARIA/MARIO, FRANCISCO/FRANCISCA) never counts
INITIAL    surnames agree as for TYPO, first initials equal, and one side's first given name
           is only an initial
MISMATCH   anything else, or either name defective (a first name that is only an initial
           is defective for a request but still compared, at INITIAL at best)
=========  ====================================================================================

Conflicts cap the level: different suffixes (JR vs SR: father and son at one address) give
MISMATCH; middle names on both sides with different initials cap it at INITIAL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from rapidfuzz.distance import JaroWinkler

__all__ = [
    "GIVEN_THRESHOLD",
    "SURNAME_THRESHOLD",
    "NameComparison",
    "NameLevel",
    "compare_names",
    "gender_pair",
]

# Jaro–Winkler thresholds on single tokens, measured on single-edit typos against pairs of
# distinct real names (benchmarks/bench_standardize_names.py --thresholds; figures in
# docs/standardization.md).
GIVEN_THRESHOLD = 0.90
SURNAME_THRESHOLD = 0.90


class NameLevel(IntEnum):
    """Ordered agreement levels; a higher value is stronger evidence of the same person."""

    MISMATCH = 0
    INITIAL = 1
    TYPO = 2
    VARIANT = 3
    PARTIAL = 4
    REORDERED = 5
    EXACT = 6


@dataclass(frozen=True, slots=True)
class NameComparison:
    """The level two names agree at, and why."""

    level: NameLevel
    explanation: str
    swapped: bool = False
    similarity: float | None = None
    conflicts: tuple[str, ...] = ()


def gender_pair(a: str, b: str) -> bool:
    """Whether two given names differ only in a Spanish/Italian gender ending (A vs O)."""
    return len(a) == len(b) > 1 and a[:-1] == b[:-1] and {a[-1], b[-1]} == {"A", "O"}


def _tokens(name: Mapping[str, Any], column: str) -> tuple[str, ...]:
    value = name.get(column)
    return tuple(value) if value else ()


def _meet(left: Iterable[str], right: Iterable[str]) -> bool:
    return not set(left).isdisjoint(right)


def _best_similarity(
    left: Sequence[str], right: Sequence[str], *, given: bool
) -> tuple[float, str, str]:
    best = (0.0, "", "")
    for a in left:
        for b in right:
            if given and (len(a) < 2 or len(b) < 2 or gender_pair(a, b)):
                continue
            score = JaroWinkler.similarity(a, b)
            if score > best[0]:
                best = (score, a, b)
    return best


@dataclass(frozen=True, slots=True)
class _Sides:
    given_a: tuple[str, ...]
    given_b: tuple[str, ...]
    surname_a: tuple[str, ...]
    surname_b: tuple[str, ...]
    given_keys_a: tuple[str, ...]
    given_keys_b: tuple[str, ...]
    surname_keys_a: tuple[str, ...]
    surname_keys_b: tuple[str, ...]


def _orientations(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[tuple[bool, _Sides]]:
    ga, gb = _tokens(a, "name_given_tokens"), _tokens(b, "name_given_tokens")
    sa, sb = _tokens(a, "name_surname_tokens"), _tokens(b, "name_surname_tokens")
    gka, gkb = _tokens(a, "name_given_keys"), _tokens(b, "name_given_keys")
    ska, skb = _tokens(a, "name_surname_keys"), _tokens(b, "name_surname_keys")
    straight = _Sides(ga, gb, sa, sb, gka, gkb, ska, skb)
    # Swapped: B's surnames play A's given names and the other way round.
    swapped = _Sides(ga, sb, sa, gb, gka, skb, ska, gkb)
    return [(False, straight), (True, swapped)]


def _defective(name: Mapping[str, Any]) -> bool:
    """A defect other than a first name that is only an initial (still usable evidence)."""
    defect = name.get("name_defect")
    if not defect:
        return False
    first = name.get("name_first") or ""
    return not (
        defect == "NAME_PLACEHOLDER" and len(first) == 1 and name.get("name_surname_tokens")
    )


def _level(a: Mapping[str, Any], b: Mapping[str, Any]) -> NameComparison:
    if _defective(a) or _defective(b):
        return NameComparison(NameLevel.MISMATCH, "a name is missing or a placeholder")
    if a.get("name_full") and a.get("name_full") == b.get("name_full"):
        return NameComparison(NameLevel.EXACT, "full names are equal")
    tokens_a, tokens_b = set(_tokens(a, "name_tokens")), set(_tokens(b, "name_tokens"))
    if tokens_a and tokens_a == tokens_b:
        return NameComparison(NameLevel.REORDERED, "same words in another order or field")
    orientations = _orientations(a, b)
    for swapped, s in orientations:
        if _meet(s.given_a, s.given_b) and _meet(s.surname_a, s.surname_b):
            return NameComparison(
                NameLevel.PARTIAL,
                "a given name and a surname agree exactly; other words are absent on one side",
                swapped,
            )
    for swapped, s in orientations:
        if _meet(s.given_keys_a, s.given_keys_b) and _meet(s.surname_keys_a, s.surname_keys_b):
            return NameComparison(
                NameLevel.VARIANT,
                "given name and surname agree through a nickname or romanisation variant",
                swapped,
            )
    best: NameComparison | None = None
    for swapped, s in orientations:
        surname_ok = _meet(s.surname_keys_a, s.surname_keys_b)
        surname_score, sx, sy = _best_similarity(s.surname_a, s.surname_b, given=False)
        surname_ok = surname_ok or surname_score >= SURNAME_THRESHOLD
        if not surname_ok:
            continue
        given_score, gx, gy = _best_similarity(s.given_a, s.given_b, given=True)
        if _meet(s.given_keys_a, s.given_keys_b) or given_score >= GIVEN_THRESHOLD:
            low = min(
                surname_score if not _meet(s.surname_keys_a, s.surname_keys_b) else 1.0,
                given_score if not _meet(s.given_keys_a, s.given_keys_b) else 1.0,
            )
            return NameComparison(
                NameLevel.TYPO,
                f"spelling differs within Jaro-Winkler {low:.3f} "
                f"(given {gx or '-'}/{gy or '-'}, surname {sx or '-'}/{sy or '-'})",
                swapped,
                low,
            )
        if best is None and not swapped:
            initial_a = a.get("name_first_initial")
            first_a = s.given_a[0] if s.given_a else ""
            first_b = s.given_b[0] if s.given_b else ""
            if (
                initial_a
                and initial_a == b.get("name_first_initial")
                and (len(first_a) == 1 or len(first_b) == 1)
            ):
                best = NameComparison(
                    NameLevel.INITIAL, "surnames agree; the given name is only an initial"
                )
    if best is not None:
        return best
    return NameComparison(NameLevel.MISMATCH, "given names or surnames disagree")


def compare_names(a: Mapping[str, Any], b: Mapping[str, Any]) -> NameComparison:
    """Compare two standardized names (rows of :func:`standardize_names` as dicts)."""
    result = _level(a, b)
    conflicts: list[str] = []
    suffix_a, suffix_b = a.get("name_suffix"), b.get("name_suffix")
    if suffix_a and suffix_b and suffix_a != suffix_b:
        conflicts.append(f"suffix {suffix_a} vs {suffix_b}")
    middle_a, middle_b = a.get("name_middle"), b.get("name_middle")
    # The same words in another order cannot conflict, whatever field each sits in.
    if result.level < NameLevel.REORDERED and middle_a and middle_b and middle_a[0] != middle_b[0]:
        conflicts.append(f"middle name {middle_a} vs {middle_b}")
    if not conflicts:
        return result
    level = result.level
    if any(c.startswith("suffix") for c in conflicts):
        level = NameLevel.MISMATCH
    else:
        level = min(level, NameLevel.INITIAL)
    return NameComparison(
        NameLevel(level),
        f"{result.explanation}; capped by conflicting {', '.join(conflicts)}",
        result.swapped,
        result.similarity,
        tuple(conflicts),
    )
