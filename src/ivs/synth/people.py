"""The taxpayers of a world as index arrays: households, names, dates of birth, TINs, filing years.

Names are indices into the vocabularies of :mod:`ivs.synth.vocab`; strings are made only when
a table is written (:mod:`ivs.synth.render`). Members of a household are consecutive indices.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np

from ivs.synth.randomness import permute
from ivs.synth.tins import ITIN_SPACE, SSN_SPACE, itin_from_index, ssn_from_index
from ivs.synth.vocab import GROUP_ITIN_RATE, GROUP_SHARES, GROUPS, NameLists

__all__ = [
    "FIRST_TAX_YEAR",
    "JOINERS",
    "LAST_TAX_YEAR",
    "SUFFIXES",
    "People",
    "draw_given",
    "draw_people",
    "draw_surname",
]

FIRST_TAX_YEAR = 2018
LAST_TAX_YEAR = 2024
SUFFIXES = ("", "JR", "SR", "II", "III", "IV")
JR, SR = 1, 2
# How a second surname is joined to the first: "GARCIA LOPEZ", "GARCIA-LOPEZ",
# "GARCIA Y LOPEZ", and a married woman's "LOPEZ DE GARCIA".
JOINERS = (" ", "-", " Y ", " DE ")
JOIN_DE = 3

_HOUSEHOLD_SIZES = np.array([1, 2, 3, 4, 5])
_HOUSEHOLD_P = np.array([0.38, 0.34, 0.15, 0.09, 0.04])
_ROOMMATE_HOUSEHOLDS = 0.2  # share of multi-person households that are not families
# Per group: chance that a spouse files under the head's surname.
_TAKES_SURNAME = np.array([0.10, 0.70, 0.05, 0.05, 0.05, 0.20, 0.50, 0.30, 0.60, 0.75])
_MIDDLE_RATE = np.array([0.10, 0.55, 0.75, 0.10, 0.05, 0.20, 0.25, 0.15, 0.30, 0.30])
_ACCENT_KEPT = np.array([0.35, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.15, 0.25, 0.25])
_HISPANIC, _ANGLO, _VIETNAMESE = 0, 1, 2
_EPOCH = date(1970, 1, 1)
_ANCHOR_DAY = (date(2025, 1, 1) - _EPOCH).days


@dataclass(slots=True)
class People:
    """Taxpayer attributes, one entry per taxpayer index (``-1`` where a name part is absent)."""

    household: np.ndarray  # int32, household id
    household_start: np.ndarray  # int64 per household: index of its first member (the head)
    household_size: np.ndarray  # int32 per household
    family: np.ndarray  # bool per household: members are relatives, not roommates
    role: np.ndarray  # int8: 0 head, 1 spouse, 2 other adult
    group: np.ndarray  # int8 index into GROUPS
    male: np.ndarray  # bool
    given1: np.ndarray  # int32 into NameLists.given
    given2: np.ndarray  # int32: a second given name written in first_name ("JOSE LUIS")
    middle: np.ndarray  # int32
    surname1: np.ndarray  # int32 into NameLists.surnames
    surname2: np.ndarray  # int32
    joiner: np.ndarray  # int8 into JOINERS
    suffix: np.ndarray  # int8 into SUFFIXES
    accented: np.ndarray  # bool: the return keeps the name's accents
    dob: np.ndarray  # int32 days since 1970-01-01
    dob_known: np.ndarray  # bool
    tin: np.ndarray  # int64
    itin: np.ndarray  # bool
    first_year: np.ndarray  # int16: first tax year filed
    last_year: np.ndarray  # int16: last tax year filed
    ssn_used: int  # dense SSN indices 0..ssn_used-1 are taken
    itin_used: int

    @property
    def count(self) -> int:
        return len(self.group)

    def append_persons(self, other: People) -> None:
        """Add ``other``'s people after this one's (their households are not kept)."""
        for f in fields(self):
            if f.name.startswith("household") or f.name in ("family", "ssn_used", "itin_used"):
                continue
            setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(other, f.name)]))


def _pick(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


def draw_given(
    names: NameLists, rng: np.random.Generator, group: np.ndarray, male: np.ndarray
) -> np.ndarray:
    """A given name for each person, from the list of their group and sex."""
    out = np.empty(len(group), dtype=np.int32)
    u = rng.random(len(group))
    for g, group_name in enumerate(GROUPS):
        for sex, is_male in (("F", False), ("M", True)):
            mask = (group == g) & (male == is_male)
            start, _ = names.given_range[(group_name, sex)]
            out[mask] = start + _pick(names.given_cdf[(group_name, sex)], u[mask])
    return out


def draw_surname(names: NameLists, rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
    """A surname for each person, from the list of their group."""
    out = np.empty(len(group), dtype=np.int32)
    u = rng.random(len(group))
    for g, group_name in enumerate(GROUPS):
        mask = group == g
        start, _ = names.surname_range[group_name]
        out[mask] = start + _pick(names.surname_cdf[group_name], u[mask])
    return out


def _households(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sizes of households covering exactly ``n`` people, and each person's household."""
    sizes = rng.choice(_HOUSEHOLD_SIZES, size=n // 2 + 16, p=_HOUSEHOLD_P)
    ends = np.cumsum(sizes)
    last = int(np.searchsorted(ends, n))
    sizes = sizes[: last + 1].copy()
    sizes[-1] -= int(ends[last]) - n
    household = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    return sizes.astype(np.int32), household


def draw_people(
    names: NameLists,
    rng: np.random.Generator,
    n: int,
    seed: int,
    *,
    ssn_start: int = 0,
    itin_start: int = 0,
) -> People:
    """``n`` people in households, with names that follow family naming customs.

    TINs come from the dense indices after ``ssn_start``/``itin_start``, so people drawn in
    a second call with the first call's ``ssn_used``/``itin_used`` never share a TIN with it.
    """
    sizes, household = _households(rng, n)
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    position = np.arange(n) - start[household]
    family = rng.random(len(sizes)) >= _ROOMMATE_HOUSEHOLDS
    family_member = family[household]
    role = np.where(position == 0, 0, np.where(position == 1, 1, 2)).astype(np.int8)
    role[~family_member & (position > 0)] = 2
    head = start[household]

    group = rng.choice(len(GROUPS), size=n, p=np.array(GROUP_SHARES)).astype(np.int8)
    group = np.where(family_member, group[head], group).astype(np.int8)
    male = rng.random(n) < 0.5
    male[position == 0] = rng.random(int((position == 0).sum())) < 0.6
    spouse = family_member & (role == 1)
    male[spouse] = ~male[head[spouse]]

    given1 = draw_given(names, rng, group, male)
    given2 = np.where(
        (group == _HISPANIC) & (rng.random(n) < 0.30), draw_given(names, rng, group, male), -1
    ).astype(np.int32)
    given2[given2 == given1] = -1
    middle = np.where(
        rng.random(n) < _MIDDLE_RATE[group], draw_given(names, rng, group, male), -1
    ).astype(np.int32)
    middle[middle == given1] = -1
    vietnamese = (group == _VIETNAMESE) & (middle >= 0)
    middle[vietnamese] = np.where(
        male[vietnamese], names.vietnamese_middle["M"], names.vietnamese_middle["F"]
    )

    surname1 = draw_surname(names, rng, group)
    surname2 = np.where(
        (group == _HISPANIC) & (rng.random(n) < 0.65), draw_surname(names, rng, group), -1
    ).astype(np.int32)
    surname2[surname2 == surname1] = -1
    joiner = rng.choice(4, size=n, p=[0.89, 0.08, 0.03, 0.0]).astype(np.int8)

    # Children take the head's first surname and, in Hispanic families, the spouse's first
    # surname as their second.
    child = family_member & (role == 2)
    surname1[child] = surname1[head[child]]
    has_spouse = sizes[household] >= 2
    spouse_of_head = head + 1
    hispanic_child = child & (group == _HISPANIC) & has_spouse
    surname2[hispanic_child] = surname1[spouse_of_head[hispanic_child]]
    surname2[child & (group != _HISPANIC)] = -1
    # Spouses keep their own surnames, take the head's, or (Hispanic wives) add "DE" + his.
    u = rng.random(n)
    takes = spouse & (u < _TAKES_SURNAME[group])
    surname1[takes] = surname1[head[takes]]
    surname2[takes] = -1
    married_de = spouse & ~takes & (group == _HISPANIC) & ~male & (u > 0.88)
    surname2[married_de] = surname1[head[married_de]]
    joiner[married_de] = JOIN_DE
    surname2[surname2 == surname1] = -1

    suffix = np.zeros(n, dtype=np.int8)
    s = rng.random(n)
    can = male & ((group == _ANGLO) | (group == 8)) & (role != 1)
    suffix[can & (s < 0.03)] = JR
    suffix[can & (s >= 0.03) & (s < 0.04)] = 4  # III
    suffix[can & (s >= 0.04) & (s < 0.045)] = 3  # II

    age = np.clip(rng.gamma(4.0, 6.0, n) + 18, 18, 90)
    age[spouse] = np.clip(age[head[spouse]] + rng.normal(0, 4, int(spouse.sum())), 18, 92)
    n_child = int(child.sum())
    age[child] = np.maximum(
        18 + rng.uniform(0, 4, n_child), age[head[child]] - rng.uniform(20, 35, n_child)
    )
    dob = (_ANCHOR_DAY - age * 365.25).astype(np.int32)
    dob_known = rng.random(n) >= 0.02

    itin = rng.random(n) < np.array(GROUP_ITIN_RATE)[group]
    tin = np.empty(n, dtype=np.int64)
    ssn_count = int((~itin).sum())
    itin_count = int(itin.sum())
    tin[~itin] = ssn_from_index(
        permute(np.arange(ssn_start, ssn_start + ssn_count), SSN_SPACE, key=seed * 2 + 1)
    )
    tin[itin] = itin_from_index(
        permute(np.arange(itin_start, itin_start + itin_count), ITIN_SPACE, key=seed * 2 + 2)
    )

    first_year = np.where(
        rng.random(n) < 0.7,
        FIRST_TAX_YEAR,
        rng.integers(FIRST_TAX_YEAR + 1, LAST_TAX_YEAR + 1, n),
    ).astype(np.int16)
    stopped = rng.random(n) < 0.12
    last_year = np.full(n, LAST_TAX_YEAR, dtype=np.int16)
    span = LAST_TAX_YEAR - first_year
    last_year[stopped] = first_year[stopped] + np.floor(
        rng.random(int(stopped.sum())) * span[stopped]
    ).astype(np.int16)

    return People(
        household=household,
        household_start=start,
        household_size=sizes,
        family=family,
        role=role,
        group=group,
        male=male,
        given1=given1,
        given2=given2,
        middle=middle,
        surname1=surname1,
        surname2=surname2,
        joiner=joiner,
        suffix=suffix,
        accented=rng.random(n) < _ACCENT_KEPT[group],
        dob=dob,
        dob_known=dob_known,
        tin=tin,
        itin=itin,
        first_year=first_year,
        last_year=last_year,
        ssn_used=ssn_start + ssn_count,
        itin_used=itin_start + itin_count,
    )
