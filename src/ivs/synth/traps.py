"""Planting the master's hard cases, and finding which (person, address) pairs are ambiguous.

A trap is only a trap if the master really holds it: a father and son of one name at one
address, two same-name roommates, two same-name neighbours in one building. They are planted
here into the drawn population before its address rows are made. The ambiguity keys then say,
for the whole master, which name is shared by more than one taxpayer at a building; requests
that must be disclosed are drawn only where the name is unique.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ivs.domain.errors import ConfigError
from ivs.synth.people import FIRST_TAX_YEAR, JR, LAST_TAX_YEAR, SR, People
from ivs.synth.places import (
    KIND_PO_BOX,
    KIND_PR_URB,
    KIND_RURAL,
    KIND_STREET,
    AddressRows,
    Histories,
    Places,
)
from ivs.synth.randomness import mix64
from ivs.synth.render import fold_accents
from ivs.synth.vocab import NameLists

__all__ = [
    "Planted",
    "building_keys",
    "name_keys",
    "pair_keys",
    "plant_traps",
    "unique_at_building",
]

_ANCHOR_DAY = (date(2025, 1, 1) - date(1970, 1, 1)).days
_NAME_FIELDS = ("given1", "given2", "middle", "surname1", "surname2", "joiner", "accented")
# Plant more traps than the batch asks about, so that the master's hard cases are not all
# requested (a matcher cannot learn "every JR/SR pair is in the batch").
_SPARE = 1.5


@dataclass(frozen=True, slots=True)
class Planted:
    """Trap members as taxpayer indices; column 0 is the one a request may name."""

    jr_sr: np.ndarray  # (k, 2): father (SR), son (JR)
    roommates: np.ndarray  # (k, 2)
    building: np.ndarray  # (k, 2): same name, same building, different units
    building_place: np.ndarray  # (k,): the address of column 0
    used_households: np.ndarray  # households touched by any trap

    def members(self) -> np.ndarray:
        return np.concatenate([self.jr_sr.ravel(), self.roommates.ravel(), self.building.ravel()])


def _copy_name(people: People, source: np.ndarray, target: np.ndarray) -> None:
    for name in _NAME_FIELDS:
        values = getattr(people, name)
        values[target] = values[source]
    people.group[target] = people.group[source]
    people.male[target] = people.male[source]
    people.suffix[target] = 0
    people.suffix[source] = 0


def _files_every_year(people: People, who: np.ndarray) -> None:
    people.first_year[who] = FIRST_TAX_YEAR
    people.last_year[who] = LAST_TAX_YEAR


def plant_traps(
    people: People,
    history: Histories,
    places: Places,
    rng: np.random.Generator,
    counts: tuple[int, int, int],
) -> Planted:
    """Plant JR/SR pairs, same-name roommates and same-name neighbours for the requested counts.

    ``counts`` is how many requests of each of those three categories the batch will hold.
    """
    jr_sr_n, roommates_n, building_n = (int(np.ceil(c * _SPARE)) + 2 for c in counts)
    sizes = people.household_size
    households = rng.permutation(len(sizes))
    three = households[(sizes[households] >= 3) & people.family[households]]
    two = households[(sizes[households] >= 2) & ~np.isin(households, three[:jr_sr_n])]
    # Unrelated roommates first: same-name relatives would be JR/SR cases, not roommates.
    two = two[np.argsort(people.family[two], kind="stable")]
    jr_sr_h = three[:jr_sr_n]
    room_h = two[:roommates_n]
    taken = np.concatenate([jr_sr_h, room_h])
    rest = households[~np.isin(households, taken)]
    pairs_h = rest[: 2 * building_n].reshape(-1, 2) if len(rest) >= 2 * building_n else None
    if len(jr_sr_h) < jr_sr_n or len(room_h) < roommates_n or pairs_h is None:
        raise ConfigError(
            "the master is too small for the requested household and same-name cases; "
            "raise --taxpayers or lower --requests"
        )

    start = people.household_start
    # Father and son: same full name, suffixes SR and JR, a generation apart.
    father, son = start[jr_sr_h], start[jr_sr_h] + 2
    people.male[father] = True
    _copy_name(people, father, son)
    people.suffix[father] = SR
    people.suffix[son] = JR
    father_age_days = rng.integers(50 * 365, 80 * 365, len(father))
    people.dob[father] = (_ANCHOR_DAY - father_age_days).astype(np.int32)
    people.dob[son] = (people.dob[father] + rng.integers(20 * 365, 30 * 365, len(son))).astype(
        np.int32
    )
    people.dob_known[father] = True
    people.dob_known[son] = True

    # Roommates (or relatives) who happen to share a name, no suffix, unrelated birth dates.
    first_room, second_room = start[room_h], start[room_h] + 1
    _copy_name(people, first_room, second_room)

    # Neighbours: make the second household's last address the first's building, another unit.
    last = history.first_address + history.address_count.astype(np.int64) - 1
    place_a, place_b = last[pairs_h[:, 0]], last[pairs_h[:, 1]]
    places.kind[place_a] = KIND_STREET
    no_unit = places.unit_kind[place_a] < 0
    places.unit_kind[place_a[no_unit]] = 0
    places.copy_building(place_a, place_b)
    places.unit_kind[place_b] = places.unit_kind[place_a]
    places.unit_number[place_b] = places.unit_number[place_a] + rng.integers(1, 30, len(place_b))
    neighbour_a, neighbour_b = start[pairs_h[:, 0]], start[pairs_h[:, 1]]
    _copy_name(people, neighbour_a, neighbour_b)

    planted = Planted(
        jr_sr=np.stack([father, son], axis=1),
        roommates=np.stack([first_room, second_room], axis=1),
        building=np.stack([neighbour_a, neighbour_b], axis=1),
        building_place=place_a,
        used_households=np.concatenate([taken, pairs_h.ravel()]),
    )
    _files_every_year(people, planted.members())
    # Requests name either member: put a random one of each pair in column 0.
    for pairs in (planted.jr_sr, planted.roommates, planted.building):
        flip = rng.random(len(pairs)) < 0.5
        pairs[flip] = pairs[flip][:, ::-1]
    return planted


def _folded_ids(vocabulary: pa.Array) -> np.ndarray:
    """For each vocabulary entry, an id shared by entries equal once folded and upper-cased."""
    folded = pc.replace_substring_regex(
        fold_accents(pc.utf8_upper(vocabulary)), r"[^A-Z]", ""
    ).to_numpy(zero_copy_only=False)
    _, inverse = np.unique(folded.astype(str), return_inverse=True)
    return np.asarray(inverse, dtype=np.int64)


def name_keys(names: NameLists, people: People, who: np.ndarray) -> np.ndarray:
    """A broad name key: first given name and first surname, folded.

    Broad on purpose: "JOSE GARCIA" and "JOSE LUIS GARCIA LOPEZ" at one building share it, and
    a careful matcher could not tell which of them a request for "JOSE GARCIA" means.
    """
    given = _folded_ids(names.given)[people.given1[who]]
    surname = _folded_ids(names.surnames)[people.surname1[who]]
    return np.asarray(given * (1 << 24) + surname, dtype=np.int64)


def building_keys(places: Places, ids: np.ndarray) -> np.ndarray:
    """A hash of an address without its unit: equal for two units of one building.

    Only the fields its kind writes count: two addresses that read the same are one building
    (a street address's unused box number must not tell apart two households at 48 CHESTNUT
    ST, which a ZIP code of the national density often holds).
    """
    kind = places.kind[ids]
    street, box = kind == KIND_STREET, (kind == KIND_PO_BOX) | (kind == KIND_RURAL)
    urbanization = kind == KIND_PR_URB
    key = np.zeros(len(ids), dtype=np.uint64)
    for field, used in (
        (places.kind, None),
        (places.zip_row, None),
        (places.house, street | urbanization),
        (places.half, street),
        (places.predir, street),
        (places.postdir, street),
        (places.street, street),
        (places.suffix, street),
        (places.box, box),
        (places.route, kind == KIND_RURAL),
        (places.urb_generic, urbanization),
        (places.calle, urbanization),
    ):
        values = field[ids].astype(np.int64)
        if used is not None:
            values = np.where(used, values, 0)
        key = mix64(key ^ values.astype(np.uint64))
    return key


def pair_keys(name_key: np.ndarray, building_key: np.ndarray) -> np.ndarray:
    """One key per (name, building)."""
    return mix64(building_key ^ mix64(name_key.astype(np.uint64), salt=7))


def unique_at_building(
    names: NameLists, people: People, places: Places, rows: AddressRows
) -> tuple[np.ndarray, np.ndarray]:
    """For every address row, whether its taxpayer's name is unique at that building.

    Also returns the sorted distinct (name, building) keys of the master, to test whether a
    person who is not on a row would share a name with someone at a building.
    """
    keys = pair_keys(name_keys(names, people, rows.taxpayer), building_keys(places, rows.place))
    order = np.lexsort((rows.taxpayer, keys))
    sorted_keys, sorted_who = keys[order], rows.taxpayer[order]
    new_pair = np.ones(len(order), dtype=bool)
    new_pair[1:] = (sorted_keys[1:] != sorted_keys[:-1]) | (sorted_who[1:] != sorted_who[:-1])
    distinct_keys = sorted_keys[new_pair]
    uniq, counts = np.unique(distinct_keys, return_counts=True)
    shared = uniq[counts > 1]
    unique = ~np.isin(keys, shared)
    return unique, uniq
