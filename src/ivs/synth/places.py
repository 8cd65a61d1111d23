"""Addresses as index arrays, households' address histories, and the address-of-record rows.

An *address* here is one place (a delivery line, a unit, a ZIP code). Each household lives
at one to four addresses over the tax years, moving in between; each member has a row for
every address where they filed, with the last tax year they filed from it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np

from ivs.synth.people import FIRST_TAX_YEAR, LAST_TAX_YEAR, People
from ivs.synth.vocab import Streets, ZipTable

__all__ = [
    "DIRECTIONS",
    "KIND_PO_BOX",
    "KIND_PR_URB",
    "KIND_RURAL",
    "KIND_STREET",
    "UNIT_KINDS",
    "AddressRows",
    "Places",
    "ZipPopulation",
    "address_rows",
    "draw_places",
    "histories",
    "last_known",
    "zip_population",
]

KIND_STREET, KIND_PO_BOX, KIND_RURAL, KIND_PR_URB = 0, 1, 2, 3
# Abbreviated, spelled-out.
DIRECTIONS = (
    ("N", "NORTH"),
    ("S", "SOUTH"),
    ("E", "EAST"),
    ("W", "WEST"),
    ("NE", "NORTHEAST"),
    ("NW", "NORTHWEST"),
    ("SE", "SOUTHEAST"),
    ("SW", "SOUTHWEST"),
)
_DIRECTION_P = np.array([0.22, 0.22, 0.2, 0.2, 0.04, 0.04, 0.04, 0.04])
UNIT_KINDS = ("APT", "UNIT", "#", "STE", "LOT")
_UNIT_P = np.array([0.72, 0.14, 0.1, 0.02, 0.02])
_EPOCH = date(1970, 1, 1)
# Addresses a household lives at over the tax years: the short histories of the first worlds
# (1.6 a household, 1.4 a taxpayer), and the national master's, where movers and the years
# give about three distinct addresses a taxpayer (31 M for 10 M taxpayers).
SHORT_HISTORY_P = (0.55, 0.3, 0.12, 0.03)
NATIONAL_HISTORY_P = (0.07, 0.16, 0.23, 0.22, 0.16, 0.1, 0.06)
# Spread of the ZIP codes' populations (log-normal sigma): the largest of a hundred ZIPs
# holds about five times the mean, as the most populous ZIPs hold five to ten times theirs.
ZIP_POPULATION_SIGMA = 0.8
# Fewest ZIP codes of a dense world, so that a small test world still spans several states.
MIN_ZIPS = 10


@dataclass(slots=True)
class Places:
    """One entry per address; fields not used by an address's kind are ignored."""

    kind: np.ndarray  # int8: KIND_*
    zip_row: np.ndarray  # int32 into ZipTable
    house: np.ndarray  # int32 house number (street, PR urbanization)
    half: np.ndarray  # bool: fractional house number "123 1/2"
    predir: np.ndarray  # int8 into DIRECTIONS or -1
    postdir: np.ndarray  # int8 into DIRECTIONS or -1
    street: np.ndarray  # int32 into Streets.names
    suffix: np.ndarray  # int8 into Streets suffixes
    spelled: np.ndarray  # bool: filed with the suffix and directionals spelled out
    unit_kind: np.ndarray  # int8 into UNIT_KINDS or -1
    unit_number: np.ndarray  # int16
    unit_letter: np.ndarray  # int8: 0 none, 1.. = A..
    box: np.ndarray  # int32: PO box or rural box number
    route: np.ndarray  # int8: rural route number; negative for a highway contract route
    urb_generic: np.ndarray  # int8: generic urbanization, for PR ZIPs without a listed one
    calle: np.ndarray  # int8: the calle letter (0..25)

    @property
    def count(self) -> int:
        return len(self.kind)

    def extend(self, other: Places) -> None:
        for f in fields(self):
            setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(other, f.name)]))

    def copy_building(self, source: np.ndarray, target: np.ndarray) -> None:
        """Make each ``target`` address the same building as its ``source`` (units untouched)."""
        for f in fields(self):
            if not f.name.startswith("unit_"):
                values = getattr(self, f.name)
                values[target] = values[source]


@dataclass(frozen=True, slots=True)
class ZipPopulation:
    """The ZIP codes a dense world lives in, each with its share of the addresses.

    ``rows`` are sorted, so each state's ZIPs are consecutive; ``state_lo``/``state_hi`` bound
    each state's stretch of ``cdf`` (equal where the state has none of these ZIPs).
    """

    rows: np.ndarray  # int32 into ZipTable, sorted
    cdf: np.ndarray  # float64: cumulative share of the addresses over rows, the last is 1
    state_lo: np.ndarray  # float64 per state code
    state_hi: np.ndarray  # float64 per state code

    def draw(self, u: np.ndarray) -> np.ndarray:
        """The ZIP rows at quantiles ``u`` (in [0, 1)) of the population."""
        at = np.minimum(np.searchsorted(self.cdf, u, side="right"), len(self.rows) - 1)
        return np.asarray(self.rows[at], dtype=np.int32)


def zip_population(
    zips: ZipTable, rng: np.random.Generator, taxpayers: int, per_zip: int
) -> ZipPopulation:
    """About ``taxpayers / per_zip`` ZIP codes with log-normal populations.

    ZIPs are chosen as the sparse world would place a taxpayer (by state weight, uniformly
    within the state), without replacement, so the states keep their shares.
    """
    total = len(zips.zip)
    count = min(total, max(MIN_ZIPS, -(-taxpayers // per_zip)))
    state_weight = np.diff(np.concatenate([[0.0], zips.state_cdf]))
    per_row = np.repeat(state_weight / zips.state_count, zips.state_count)
    rows = np.sort(rng.choice(total, count, replace=False, p=per_row / per_row.sum()))
    weight = rng.lognormal(0.0, ZIP_POPULATION_SIGMA, count)
    cdf = np.cumsum(weight) / weight.sum()
    cdf[-1] = 1.0
    before = np.concatenate([[0.0], cdf])
    state_end = zips.state_start + zips.state_count
    lo = before[np.searchsorted(rows, zips.state_start)]
    hi = before[np.searchsorted(rows, state_end)]
    return ZipPopulation(rows.astype(np.int32), cdf, lo, hi)


def _zip_in_state(zips: ZipTable, rng: np.random.Generator, state: np.ndarray) -> np.ndarray:
    offset = np.floor(rng.random(len(state)) * zips.state_count[state]).astype(np.int64)
    return np.asarray(zips.state_start[state] + offset, dtype=np.int32)


def _state_of_row(zips: ZipTable, zip_row: np.ndarray) -> np.ndarray:
    return np.asarray(np.searchsorted(zips.state_start, zip_row, side="right") - 1)


def draw_places(
    zips: ZipTable,
    streets: Streets,
    rng: np.random.Generator,
    count: int,
    *,
    near: np.ndarray | None = None,
    population: ZipPopulation | None = None,
) -> Places:
    """``count`` new addresses; with ``near`` (ZIP rows), most stay in that ZIP's state.

    Without ``population`` ZIPs are drawn from every ZIP code (the sparse world); with it,
    from its ZIPs by their shares.
    """
    if population is None:
        state = np.minimum(
            np.searchsorted(zips.state_cdf, rng.random(count), side="right"),
            len(zips.state_codes) - 1,
        )
        zip_row = _zip_in_state(zips, rng, state)
    else:
        zip_row = population.draw(rng.random(count))
    if near is not None:
        stay = rng.random(count)
        same_state = stay < 0.75
        if population is None:
            zip_row[same_state] = _zip_in_state(zips, rng, _state_of_row(zips, near[same_state]))
        else:
            # A near ZIP is one of the population's, so its state's stretch is never empty.
            near_state = _state_of_row(zips, near[same_state])
            lo, hi = population.state_lo[near_state], population.state_hi[near_state]
            zip_row[same_state] = population.draw(lo + rng.random(len(lo)) * (hi - lo))
        same_zip = stay < 0.35
        zip_row[same_zip] = near[same_zip]
    state = _state_of_row(zips, zip_row)
    in_pr = state == zips.state_codes.index("PR")

    u = rng.random(count)
    kind = np.where(u < 0.06, KIND_PO_BOX, np.where(u < 0.085, KIND_RURAL, KIND_STREET))
    kind = np.where(in_pr & (u >= 0.06), np.where(u < 0.7, KIND_PR_URB, KIND_STREET), kind)
    # House numbers spread over four orders of magnitude, as real ones do.
    house = np.floor(np.power(10.0, rng.uniform(0.3, 4.7, count))).astype(np.int32) + 1
    has_unit = (kind == KIND_STREET) & (rng.random(count) < 0.33)
    unit_kind = np.where(has_unit, rng.choice(len(UNIT_KINDS), count, p=_UNIT_P), -1)
    unit_letter = np.where(rng.random(count) < 0.25, rng.integers(1, 7, count), 0)
    route = rng.integers(1, 10, count)
    route = np.where(rng.random(count) < 0.2, -route, route)
    return Places(
        kind=kind.astype(np.int8),
        zip_row=zip_row,
        house=house,
        half=(kind == KIND_STREET) & (rng.random(count) < 0.005),
        predir=np.where(
            rng.random(count) < 0.13, rng.choice(len(DIRECTIONS), count, p=_DIRECTION_P), -1
        ).astype(np.int8),
        postdir=np.where(
            rng.random(count) < 0.02, rng.choice(len(DIRECTIONS), count, p=_DIRECTION_P), -1
        ).astype(np.int8),
        street=np.minimum(
            np.searchsorted(streets.name_cdf, rng.random(count), side="right"),
            len(streets.name_cdf) - 1,
        ).astype(np.int32),
        suffix=np.minimum(
            np.searchsorted(streets.suffix_cdf, rng.random(count), side="right"),
            len(streets.suffix_cdf) - 1,
        ).astype(np.int8),
        spelled=rng.random(count) < 0.12,
        unit_kind=unit_kind.astype(np.int8),
        unit_number=np.floor(np.power(10.0, rng.uniform(0, 3, count))).astype(np.int16),
        unit_letter=unit_letter.astype(np.int8),
        box=np.floor(np.power(10.0, rng.uniform(0.5, 4.0, count))).astype(np.int32),
        route=route.astype(np.int8),
        urb_generic=rng.integers(0, 10, count).astype(np.int8),
        calle=rng.integers(0, 26, count).astype(np.int8),
    )


@dataclass(slots=True)
class Histories:
    """Per household: how many addresses, the years of its moves, and its first address."""

    address_count: np.ndarray  # int8, 1..the longest history
    move_years: np.ndarray  # int16 (households, longest - 1): sorted; year address j+1 starts
    first_address: np.ndarray  # int64: address index of the household's first address


def histories(
    zips: ZipTable,
    streets: Streets,
    rng: np.random.Generator,
    households: int,
    *,
    history_p: tuple[float, ...] = SHORT_HISTORY_P,
    population: ZipPopulation | None = None,
) -> tuple[Histories, Places]:
    """Address histories of every household, and the addresses they use (in order).

    ``history_p[k]`` is the share of households at k + 1 addresses.
    """
    most = len(history_p)
    count = rng.choice(np.arange(1, most + 1), households, p=list(history_p))
    years = LAST_TAX_YEAR - FIRST_TAX_YEAR
    if history_p == SHORT_HISTORY_P:
        # The short histories draw move years independently (two moves may share a year, and
        # the address between them then has no return), as the first worlds did.
        moves = np.sort(
            rng.integers(FIRST_TAX_YEAR + 1, LAST_TAX_YEAR + 1, (households, most - 1)), axis=1
        ).astype(np.int16)
    else:
        # Long histories move in different years, so every address has a return filed from it:
        # each household's moves are the first count - 1 of a shuffle of the years, sorted.
        shuffled = np.argsort(rng.random((households, years)), axis=1) + FIRST_TAX_YEAR + 1
        unused = np.arange(years)[None, :] >= (count[:, None] - 1)
        moves = np.sort(np.where(unused, LAST_TAX_YEAR + 1, shuffled), axis=1)[:, : most - 1]
        moves = moves.astype(np.int16)
    first = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    places = draw_places(zips, streets, rng, households, population=population)
    previous_owner, previous_zip = np.arange(households), places.zip_row
    for j in range(1, most):
        movers = np.flatnonzero(count > j)
        # Most moves stay near the address the household is leaving.
        near = previous_zip[np.searchsorted(previous_owner, movers)]
        step = draw_places(zips, streets, rng, len(movers), near=near, population=population)
        places.extend(step)
        previous_owner, previous_zip = movers, step.zip_row
    # draw_places was called per step; reorder so a household's addresses are consecutive.
    steps = range(1, most)
    step_of = np.concatenate(
        [np.zeros(households, np.int64)] + [np.full(int((count > j).sum()), j) for j in steps]
    )
    owner = np.concatenate([np.arange(households)] + [np.flatnonzero(count > j) for j in steps])
    order = np.lexsort((step_of, owner))
    for f in fields(places):
        setattr(places, f.name, getattr(places, f.name)[order])
    return Histories(count.astype(np.int8), moves, first), places


@dataclass(slots=True)
class AddressRows:
    """The rows of ``addresses.parquet``, sorted by taxpayer."""

    taxpayer: np.ndarray  # int32
    place: np.ndarray  # int64 into Places
    tax_year: np.ndarray  # int16
    received: np.ndarray  # int32 days since 1970-01-01

    @property
    def count(self) -> int:
        return len(self.taxpayer)


def address_rows(
    people: People, history: Histories, rng: np.random.Generator, submitted: date
) -> AddressRows:
    """One row per (taxpayer, address) where the taxpayer filed while living there."""
    cut = (submitted - _EPOCH).days - 1
    parts: list[tuple[np.ndarray, ...]] = []
    household = people.household
    count = history.address_count[household]
    most = history.move_years.shape[1] + 1
    for j in range(most):
        start = np.int16(FIRST_TAX_YEAR) if j == 0 else history.move_years[household, j - 1]
        end = np.where(
            count > j + 1,
            history.move_years[household, min(j, most - 2)] - 1,
            LAST_TAX_YEAR,
        )
        lo = np.maximum(start, people.first_year)
        hi = np.minimum(end, people.last_year)
        who = np.flatnonzero((count > j) & (lo <= hi))
        parts.append((who, history.first_address[household[who]] + j, hi[who]))
    taxpayer = np.concatenate([p[0] for p in parts]).astype(np.int32)
    place = np.concatenate([p[1] for p in parts])
    tax_year = np.concatenate([p[2] for p in parts]).astype(np.int16)
    order = np.argsort(taxpayer, kind="stable")
    taxpayer, place, tax_year = taxpayer[order], place[order], tax_year[order]
    # Most returns arrive between late January and mid April of the next year; some on
    # extension by October; a few late. Nothing arrives after the batch was submitted.
    n = len(taxpayer)
    u = rng.random(n)
    offset = np.where(
        u < 0.75,
        rng.integers(20, 106, n),
        np.where(u < 0.95, rng.integers(106, 289, n), rng.integers(289, 500, n)),
    )
    jan1 = np.array(
        [(date(y + 1, 1, 1) - _EPOCH).days for y in range(FIRST_TAX_YEAR, LAST_TAX_YEAR + 1)]
    )[tax_year - FIRST_TAX_YEAR]
    received = np.minimum(jan1 + offset, cut).astype(np.int32)
    return AddressRows(taxpayer, place, tax_year, received)


def last_known(rows: AddressRows, taxpayers: int) -> np.ndarray:
    """Per taxpayer, the row of its last known address (formats.md §2), or -1 if none."""
    order = np.lexsort((rows.tax_year, rows.received, rows.taxpayer))
    sorted_taxpayer = rows.taxpayer[order]
    is_last = np.ones(len(order), dtype=bool)
    is_last[:-1] = sorted_taxpayer[:-1] != sorted_taxpayer[1:]
    out = np.full(taxpayers, -1, dtype=np.int64)
    out[sorted_taxpayer[is_last]] = order[is_last]
    return out
