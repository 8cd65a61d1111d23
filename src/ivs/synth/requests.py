"""Who each request is about, at which address, with which identifiers: the batch's plan.

The plan is index arrays, one entry per request: the person (a taxpayer, or someone drawn
outside the master), the address, how the TIN is given, and what the truth is. Rendering it
into records, with the distortions and defects, is :mod:`ivs.synth.records`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ivs.synth.config import Category
from ivs.synth.people import People
from ivs.synth.places import AddressRows, Places, ZipPopulation, draw_places
from ivs.synth.traps import Planted, building_keys, name_keys, pair_keys
from ivs.synth.vocab import NameLists, Streets, ZipTable

__all__ = ["TIN_IMPOSSIBLE", "TIN_NONE", "TIN_OTHER", "TIN_OWN", "Plan", "plan_requests"]

TIN_NONE, TIN_OWN, TIN_OTHER, TIN_IMPOSSIBLE = 0, 1, 2, 3
_CATEGORIES = list(Category)
# Shares of clean requests that carry a date of birth or a TIN (requesters have them for some).
_DOB_GIVEN = 0.6
_TIN_GIVEN = 0.3
# Deficient requests drawn from real taxpayers, who give their own TIN: the 2025 TIN-only rule
# would have disclosed these.
_DEFICIENT_FROM_TAXPAYERS = 0.7
_OLDER_ADDRESS = 0.4
_NEVER_FILED_AT_MASTER_ADDRESS = 0.3


@dataclass(slots=True)
class Plan:
    category: np.ndarray  # int8 into list(Category)
    person: np.ndarray  # int64 into the combined people (>= taxpayers: not in the master)
    place: np.ndarray  # int64 into places
    tin_mode: np.ndarray  # int8: TIN_*
    other_tin: np.ndarray  # int64: the TIN given when tin_mode is TIN_OTHER
    dob_given: np.ndarray  # bool
    older_address: np.ndarray  # bool: an address of record other than the last known
    from_taxpayer: np.ndarray  # bool
    matchable: np.ndarray  # bool: lawfully matchable (see docs/synthetic-data.md)


def _code(category: Category) -> int:
    return _CATEGORIES.index(category)


def _row_ranges(rows: AddressRows, taxpayers: int) -> tuple[np.ndarray, np.ndarray]:
    start = np.searchsorted(rows.taxpayer, np.arange(taxpayers), side="left")
    stop = np.searchsorted(rows.taxpayer, np.arange(taxpayers), side="right")
    return start, stop - start


def _fresh_places(
    *,
    zips: ZipTable,
    population: ZipPopulation | None,
    streets: Streets,
    places: Places,
    rng: np.random.Generator,
    near: np.ndarray,
    name_key: np.ndarray,
    master_keys: np.ndarray,
) -> np.ndarray:
    """New addresses (appended to ``places``) where no taxpayer of the person's name lives."""
    ids = np.empty(len(near), dtype=np.int64)
    todo = np.arange(len(near))
    while len(todo):
        fresh = draw_places(zips, streets, rng, len(todo), near=near[todo], population=population)
        first = places.count
        places.extend(fresh)
        new_ids = np.arange(first, places.count)
        keys = pair_keys(name_key[todo], building_keys(places, new_ids))
        ok = ~np.isin(keys, master_keys)
        ids[todo[ok]] = new_ids[ok]
        todo = todo[~ok]
    return ids


def plan_requests(
    categories: np.ndarray,
    *,
    names: NameLists,
    people: People,
    taxpayers: int,
    outsiders: int,
    places: Places,
    rows: AddressRows,
    unique_row: np.ndarray,
    master_keys: np.ndarray,
    last_row: np.ndarray,
    planted: Planted,
    zips: ZipTable,
    population: ZipPopulation | None,
    streets: Streets,
    rng: np.random.Generator,
) -> Plan:
    """Assign a person, an address and identifiers to every request, by category.

    ``people`` holds the ``taxpayers`` of the master followed by ``outsiders`` people who never
    filed; ``unique_row`` says which address rows carry a name unique at their building.
    """
    m = len(categories)
    person = np.full(m, -1, dtype=np.int64)
    place = np.full(m, -1, dtype=np.int64)
    tin_mode = np.where(rng.random(m) < _TIN_GIVEN, TIN_OWN, TIN_NONE).astype(np.int8)
    other_tin = np.zeros(m, dtype=np.int64)
    dob_given = rng.random(m) < _DOB_GIVEN
    older = np.zeros(m, dtype=bool)
    from_taxpayer = np.zeros(m, dtype=bool)
    matchable = np.zeros(m, dtype=bool)

    def where(category: Category) -> np.ndarray:
        return np.flatnonzero(categories == _code(category))

    # Clean taxpayers: not part of a trap, and unique by name at their last known address.
    trap_member = np.zeros(taxpayers, dtype=bool)
    trap_member[planted.members()] = True
    clean = np.flatnonzero(~trap_member & unique_row[last_row[:taxpayers]])
    pool = iter(rng.permutation(clean))

    def draw(count: int) -> np.ndarray:
        return np.fromiter(pool, dtype=np.int64, count=count)

    deficient = where(Category.DEFICIENT)
    deficient_real = deficient[rng.random(len(deficient)) < _DEFICIENT_FROM_TAXPAYERS]
    for category in (
        Category.EXACT,
        Category.VARIANT,
        Category.RESTRICTED,
        Category.TIN_CONFLICT,
        Category.MOVED,
    ):
        at = where(category)
        person[at] = draw(len(at))
        from_taxpayer[at] = True
    person[deficient_real] = draw(len(deficient_real))
    from_taxpayer[deficient_real] = True

    taxpayer_at = np.flatnonzero(from_taxpayer)
    place[taxpayer_at] = rows.place[last_row[person[taxpayer_at]]]
    matchable[taxpayer_at] = True
    tin_mode[deficient_real] = TIN_OWN

    # Variants: some name an older address of record, where the name is also unique.
    variant = where(Category.VARIANT)
    row_start, row_count = _row_ranges(rows, taxpayers)
    who = person[variant]
    pick = row_start[who] + np.floor(rng.random(len(variant)) * row_count[who]).astype(np.int64)
    use_older = (
        (rng.random(len(variant)) < _OLDER_ADDRESS)
        & (pick != last_row[who])
        & unique_row[np.minimum(pick, rows.count - 1)]
    )
    place[variant[use_older]] = rows.place[pick[use_older]]
    older[variant[use_older]] = True

    # TIN conflicts: the name and address of one taxpayer, the TIN of another.
    conflict = where(Category.TIN_CONFLICT)
    other = rng.integers(0, taxpayers, len(conflict))
    other = np.where(other == person[conflict], (other + 1) % taxpayers, other)
    tin_mode[conflict] = TIN_OTHER
    other_tin[conflict] = people.tin[other]

    # Moved: a taxpayer at an address the master does not have for them.
    moved = where(Category.MOVED)
    keys_moved = name_keys(names, people, person[moved])
    place[moved] = _fresh_places(
        zips=zips,
        population=population,
        streets=streets,
        places=places,
        rng=rng,
        near=places.zip_row[place[moved]],
        name_key=keys_moved,
        master_keys=master_keys,
    )
    matchable[moved] = False

    # Never filed: outsiders, at a new address or at a taxpayer's address (living with them).
    never = where(Category.NEVER_FILED)
    deficient_outsider = deficient[~np.isin(deficient, deficient_real)]
    outsiders_at = np.concatenate([never, deficient_outsider])
    if len(outsiders_at) > outsiders:
        raise AssertionError("outsiders are drawn for every never-filed and deficient request")
    person[outsiders_at] = taxpayers + np.arange(len(outsiders_at))
    host_rows = last_row[rng.integers(0, taxpayers, len(outsiders_at))]
    host_place = rows.place[host_rows]
    keys_out = name_keys(names, people, person[outsiders_at])
    at_host = (rng.random(len(outsiders_at)) < _NEVER_FILED_AT_MASTER_ADDRESS) & ~np.isin(
        pair_keys(keys_out, building_keys(places, host_place)), master_keys
    )
    place[outsiders_at[at_host]] = host_place[at_host]
    away = ~at_host
    place[outsiders_at[away]] = _fresh_places(
        zips=zips,
        population=population,
        streets=streets,
        places=places,
        rng=rng,
        near=places.zip_row[host_place[away]],
        name_key=keys_out[away],
        master_keys=master_keys,
    )

    # Traps: a person the master holds twice at one building; no TIN or birth date to tell.
    for category, pairs in (
        (Category.HOUSEHOLD_JR_SR, planted.jr_sr),
        (Category.SAME_NAME_ROOMMATES, planted.roommates),
        (Category.SAME_NAME_BUILDING, planted.building),
    ):
        at = where(category)
        chosen = rng.permutation(len(pairs))[: len(at)]
        person[at] = pairs[chosen, 0]
        if category is Category.SAME_NAME_BUILDING:
            place[at] = planted.building_place[chosen]
        else:
            place[at] = rows.place[last_row[pairs[chosen, 0]]]
        from_taxpayer[at] = True
        tin_mode[at] = TIN_NONE
        dob_given[at] = False

    return Plan(
        category=categories,
        person=person,
        place=place,
        tin_mode=tin_mode,
        other_tin=other_tin,
        dob_given=dob_given,
        older_address=older,
        from_taxpayer=from_taxpayer,
        matchable=matchable,
    )
