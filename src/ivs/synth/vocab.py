"""The reference lists a world is drawn from: names, streets, ZIP codes, facilities.

Everything is loaded once per process from package data and the ``zipcodes`` package, into
arrays that the generators index with numpy.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

import numpy as np
import pyarrow as pa
import zipcodes

from ivs.synth.randomness import zipf_cdf

__all__ = [
    "GROUPS",
    "GROUP_ITIN_RATE",
    "GROUP_SHARES",
    "STATE_WEIGHTS",
    "Facility",
    "NameLists",
    "Streets",
    "ZipTable",
    "facilities",
    "name_lists",
    "streets",
    "zip_table",
]

# Name communities and their shares of the synthetic taxpayer population. The program concerns
# people under orders of removal, so the mix leans toward the largest immigrant communities
# while keeping the general population (anglo) large, because most same-name collisions in a
# real master come from it.
GROUPS: tuple[str, ...] = (
    "hispanic",
    "anglo",
    "vietnamese",
    "chinese",
    "korean",
    "arabic",
    "south_asian",
    "west_african",
    "haitian",
    "eastern_european",
)
GROUP_SHARES: tuple[float, ...] = (0.40, 0.28, 0.05, 0.05, 0.03, 0.03, 0.06, 0.03, 0.03, 0.04)
# Chance that a taxpayer of the group files under an ITIN rather than an SSN; weighted by the
# shares this gives about one third of the master, as the brief for the program's population
# asks.
GROUP_ITIN_RATE: tuple[float, ...] = (0.50, 0.08, 0.30, 0.35, 0.30, 0.35, 0.35, 0.40, 0.40, 0.30)

# Relative weights of states, roughly proportional to foreign-born residents; Puerto Rico is
# raised above its share so that urbanization addresses appear in every sizable world.
STATE_WEIGHTS: dict[str, float] = {
    "CA": 10.5, "TX": 5.1, "FL": 4.8, "NY": 4.4, "NJ": 2.1, "IL": 1.8, "MA": 1.2, "GA": 1.1,
    "WA": 1.2, "VA": 1.1, "AZ": 0.95, "MD": 0.95, "NC": 0.85, "PA": 0.9, "NV": 0.6, "CO": 0.55,
    "MI": 0.7, "MN": 0.5, "OH": 0.55, "CT": 0.55, "OR": 0.4, "UT": 0.3, "TN": 0.35, "IN": 0.35,
    "PR": 0.4, "HI": 0.25, "DC": 0.1, "SC": 0.25, "AL": 0.17, "LA": 0.2, "KY": 0.18, "OK": 0.23,
    "KS": 0.2, "NE": 0.14, "IA": 0.17, "AR": 0.15, "MO": 0.26, "WI": 0.3, "NM": 0.2, "ID": 0.1,
    "DE": 0.1, "RI": 0.15, "NH": 0.08, "MS": 0.07, "WV": 0.03, "ME": 0.05, "VT": 0.03,
    "MT": 0.03, "ND": 0.03, "SD": 0.03, "WY": 0.02, "AK": 0.06,
}  # fmt: skip

_DATA = "ivs.synth.data"


def _lines(name: str) -> list[str]:
    text = resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    # "# " lines are comments; "## " lines are section headers.
    return [line for line in lines if line and not (line[0] == "#" and line[:3] != "## ")]


def _sections(name: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current: list[str] = []
    for line in _lines(name):
        if line.startswith("## "):
            current = out.setdefault(line[3:].strip(), [])
        else:
            current.append(line)
    return out


@dataclass(frozen=True, slots=True)
class NameLists:
    """Given names and surnames as one vocabulary each, with per-list ranges and CDFs.

    ``given_range[(group, sex)]`` and ``surname_range[group]`` are ``(start, stop)`` slices of
    the vocabulary; ``*_cdf`` is the cumulative weight over that slice.
    """

    given: pa.Array
    given_range: dict[tuple[str, str], tuple[int, int]]
    given_cdf: dict[tuple[str, str], np.ndarray]
    surnames: pa.Array
    surname_range: dict[str, tuple[int, int]]
    surname_cdf: dict[str, np.ndarray]
    nickname_of: np.ndarray  # given index -> index into ``nicknames`` or -1
    nickname_count: np.ndarray  # given index -> how many nicknames follow nickname_of
    nicknames: pa.Array
    vietnamese_middle: dict[str, int]  # sex -> given index of VAN / THI


# Mass of the composed long tail within a group's surnames, where the group has one.
_TAIL_MASS = 0.25


def _build_names() -> NameLists:
    given_sections = _sections("given_names.txt")
    given: list[str] = []
    given_range: dict[tuple[str, str], tuple[int, int]] = {}
    given_cdf: dict[tuple[str, str], np.ndarray] = {}
    for header, names in given_sections.items():
        group, sex = header.split()
        given_range[(group, sex)] = (len(given), len(given) + len(names))
        given_cdf[(group, sex)] = zipf_cdf(len(names), exponent=0.9, offset=1.5)
        given.extend(names)
    # Vietnamese middle names mark sex: Văn for men, Thị for women.
    vietnamese_middle = {"M": len(given), "F": len(given) + 1}
    given.extend(["Văn", "Thị"])

    tails = _sections("surname_tail.txt")
    surnames: list[str] = []
    surname_range: dict[str, tuple[int, int]] = {}
    surname_cdf: dict[str, np.ndarray] = {}
    for group, names in _sections("surnames.txt").items():
        head = zipf_cdf(len(names), exponent=1.0, offset=1.0)
        composed: list[str] = []
        if group in tails:
            fields = dict(line.split(":", 1) for line in tails[group])
            roots = [r.strip() for r in fields["roots"].split(",")]
            endings = [e.strip() for e in fields["endings"].split(",")]
            known = set(names)
            composed = [r + e for r in roots for e in endings if r + e not in known]
        start = len(surnames)
        surnames.extend(names)
        surnames.extend(composed)
        if composed:
            tail = np.arange(1, len(composed) + 1) / len(composed)
            cdf = np.concatenate([head * (1 - _TAIL_MASS), (1 - _TAIL_MASS) + tail * _TAIL_MASS])
        else:
            cdf = head
        surname_range[group] = (start, len(surnames))
        surname_cdf[group] = cdf

    index = {name: i for i, name in enumerate(given)}
    nicknames: list[str] = []
    nickname_of = np.full(len(given), -1, dtype=np.int32)
    nickname_count = np.zeros(len(given), dtype=np.int32)
    for line in _lines("nicknames.txt"):
        formal, forms = line.split(":", 1)
        familiar = [f.strip() for f in forms.split(",") if f.strip()]
        # A formal name can appear in several lists (Patricia is hispanic and anglo).
        for i, name in enumerate(given):
            if name == formal.strip() and nickname_of[i] < 0:
                nickname_of[i] = len(nicknames)
                nickname_count[i] = len(familiar)
        if formal.strip() in index:
            nicknames.extend(familiar)
    return NameLists(
        given=pa.array(given, pa.string()),
        given_range=given_range,
        given_cdf=given_cdf,
        surnames=pa.array(surnames, pa.string()),
        surname_range=surname_range,
        surname_cdf=surname_cdf,
        nickname_of=nickname_of,
        nickname_count=nickname_count,
        nicknames=pa.array(nicknames, pa.string()),
        vietnamese_middle=vietnamese_middle,
    )


@functools.cache
def name_lists() -> NameLists:
    return _build_names()


@dataclass(frozen=True, slots=True)
class Streets:
    names: pa.Array  # upper case
    name_cdf: np.ndarray
    suffix_abbrev: pa.Array
    suffix_full: pa.Array
    suffix_cdf: np.ndarray


@functools.cache
def streets() -> Streets:
    names = [n.upper() for n in _lines("streets.txt")]
    rows = [line.split(",") for line in _lines("street_suffixes.txt")]
    weights = np.array([float(r[2]) for r in rows])
    return Streets(
        names=pa.array(names, pa.string()),
        name_cdf=zipf_cdf(len(names), exponent=0.8, offset=3.0),
        suffix_abbrev=pa.array([r[0] for r in rows], pa.string()),
        suffix_full=pa.array([r[1] for r in rows], pa.string()),
        suffix_cdf=np.cumsum(weights) / weights.sum(),
    )


@dataclass(frozen=True, slots=True)
class ZipTable:
    """Active standard ZIP codes, sorted by state, with their USPS city (upper case)."""

    zip: pa.Array
    city: pa.Array
    state: pa.Array
    state_codes: tuple[str, ...]
    state_start: np.ndarray  # per state code: first row
    state_count: np.ndarray  # per state code: number of rows
    state_cdf: np.ndarray  # cumulative STATE_WEIGHTS over state_codes
    urbanization: pa.Array  # per ZIP: a Puerto Rico urbanization name (upper) or null
    generic_urbanization: pa.Array  # for PR ZIPs without a listed one


_GENERIC_URBS = (
    "LAS GLADIOLAS",
    "VILLA CAROLINA",
    "LOS MAESTROS",
    "SANTA JUANITA",
    "COUNTRY CLUB",
    "VISTA AZUL",
    "JARDINES DE CAPARRA",
    "LEVITTOWN",
    "EL CONQUISTADOR",
    "PUERTO NUEVO",
)


@functools.cache
def zip_table() -> ZipTable:
    # zipcodes is untyped; its records are plain dicts.
    list_all = cast(Callable[[], list[dict[str, Any]]], zipcodes.list_all)
    rows = [
        z
        for z in list_all()
        if z["zip_code_type"] == "STANDARD" and z["active"] and z["state"] in STATE_WEIGHTS
    ]
    rows.sort(key=lambda z: (z["state"], z["zip_code"]))
    states = tuple(sorted(STATE_WEIGHTS))
    by_state = [z["state"] for z in rows]
    start = np.array([by_state.index(s) for s in states], dtype=np.int64)
    count = np.array([by_state.count(s) for s in states], dtype=np.int64)
    weights = np.array([STATE_WEIGHTS[s] for s in states])
    urbs: list[str | None] = []
    for z in rows:
        names = [
            u[4:].upper()
            for u in z.get("unacceptable_cities", [])
            if z["state"] == "PR" and u.startswith("Urb ")
        ]
        urbs.append(names[0] if names else None)
    return ZipTable(
        zip=pa.array([z["zip_code"] for z in rows], pa.string()),
        city=pa.array([z["city"].upper() for z in rows], pa.string()),
        state=pa.array(by_state, pa.string()),
        state_codes=states,
        state_start=start,
        state_count=count,
        state_cdf=np.cumsum(weights) / weights.sum(),
        urbanization=pa.array(urbs, pa.string()),
        generic_urbanization=pa.array(list(_GENERIC_URBS), pa.string()),
    )


@dataclass(frozen=True, slots=True)
class Facility:
    code: str
    name: str
    address: str
    city: str
    state: str
    zip: str


@functools.cache
def facilities() -> tuple[Facility, ...]:
    text = resources.files(_DATA).joinpath("ice_facilities_sample.csv").read_text("utf-8")
    return tuple(
        Facility(r["detloc"], r["name"], r["address"], r["city"], r["state"], r["zip"])
        for r in csv.DictReader(io.StringIO(text))
    )
