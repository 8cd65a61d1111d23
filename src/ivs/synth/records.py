"""The batch's records and its truth table, rendered from the plan.

Names and addresses come from the same renderer as the master, varied per request by the
distortions drawn for it; deficient requests then get their one defect. The truth table says,
for each request, what a lawful matcher must answer and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ivs.domain.codes import Outcome
from ivs.synth import distort
from ivs.synth.config import Category
from ivs.synth.defects import DEFECT_CODES, apply_defects, draw_defects
from ivs.synth.people import People
from ivs.synth.places import KIND_STREET, Places
from ivs.synth.randomness import permute
from ivs.synth.render import fold_accents, render_addresses, render_names
from ivs.synth.requests import TIN_IMPOSSIBLE, TIN_NONE, TIN_OTHER, Plan
from ivs.synth.tins import impossible_ssns, tin_strings, with_dashes
from ivs.synth.vocab import NameLists, Streets, ZipTable

__all__ = ["RenderedBatch", "render_batch"]

_CATEGORIES = list(Category)
_EPOCH = date(1970, 1, 1)
# Categories whose records are written loosely, the way another agency's files are.
_DISTORTED = {
    Category.VARIANT: (1, 2),
    Category.MOVED: (0, 2),
    Category.NEVER_FILED: (0, 2),
    Category.TIN_CONFLICT: (0, 2),
}
_TRAPS = (
    Category.HOUSEHOLD_JR_SR,
    Category.SAME_NAME_ROOMMATES,
    Category.SAME_NAME_BUILDING,
)
# The truth's category of a request drawn as deficient whose only defect is an impossible TIN.
TIN_SET_ASIDE = "tin_set_aside"
_OUTCOME = {
    Category.EXACT: Outcome.DISCLOSED,
    Category.VARIANT: Outcome.DISCLOSED,
    Category.DEFICIENT: Outcome.REJECTED,
}
_REASONS = (
    "Subject {a} remained in the United States after an order of removal became final on "
    "{order}; ERO {office} needs a current address to locate and arrest the subject.",
    "ERO {office} is investigating the willful failure of {a} to depart under 8 U.S.C. "
    "1253(a)(1); the last known address is needed to interview the subject.",
    "{a} did not appear for removal after the order of {order}; the address will be used by "
    "ERO {office} to locate the subject for the pending criminal referral.",
    "Investigation of {a} for failure to depart (order final {order}); addresses known to "
    "ERO {office} are stale and a current address is needed to serve process.",
    "ERO {office} fugitive operations case on {a}: subject evaded removal ordered final on "
    "{order}; the address is needed to locate the subject.",
)
_OFFICES = {
    "CA": "Los Angeles",
    "TX": "Houston",
    "FL": "Miami",
    "NY": "New York City",
    "NJ": "Newark",
    "IL": "Chicago",
    "GA": "Atlanta",
    "AZ": "Phoenix",
    "WA": "Seattle",
    "MA": "Boston",
    "PR": "Miami",
    "CO": "Denver",
    "MI": "Detroit",
    "PA": "Philadelphia",
    "MN": "St. Paul",
    "LA": "New Orleans",
    "UT": "Salt Lake City",
    "MD": "Baltimore",
    "VA": "Washington",
    "DC": "Washington",
}


@dataclass(frozen=True, slots=True)
class RenderedBatch:
    records: pa.Table
    truth: pa.Table


def _dates(days: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(days.astype(np.int32), pa.date32()), pa.string())


def _a_numbers(rng: np.random.Generator, count: int, seed: int) -> pa.Array:
    """Unique A-numbers: 9 digits (older 8-digit ones sometimes written short), mostly 'A'-led."""
    values = 10_000_000 + permute(np.arange(count), 240_000_000, key=seed * 2 + 99)
    nine = pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), 9, "0")
    short = pa.array((values < 100_000_000) & (rng.random(count) < 0.5))
    digits = pc.if_else(short, pc.utf8_slice_codeunits(nine, 1), nine)
    prefixed = pa.array(rng.random(count) < 0.85)
    return pc.if_else(prefixed, pc.binary_join_element_wise("A", digits, ""), digits)


def _has_accents(values: pa.Array) -> np.ndarray:
    changed = pc.not_equal(fold_accents(values), values)
    return np.asarray(changed.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def render_batch(
    plan: Plan,
    *,
    names: NameLists,
    people: People,
    places: Places,
    zips: ZipTable,
    streets: Streets,
    rng: np.random.Generator,
    submitted: date,
    seed: int,
) -> RenderedBatch:
    """Records (formats.md §1.2 columns) and the truth table of the plan's requests."""
    m = len(plan.category)
    who, where = plan.person, plan.place
    category = np.array(_CATEGORIES, dtype=object)[plan.category]

    # --- which distortions each request gets --------------------------------------------
    eligible = {
        "second_surname_dropped": people.surname2[who] >= 0,
        "middle_name_dropped": (people.middle[who] >= 0) | (people.given2[who] >= 0),
        "nickname": names.nickname_of[people.given1[who]] >= 0,
        "accents_changed": _has_accents(
            render_names(names, people, who, accented=np.ones(m, bool)).last
        ),
        "typo_last_name": np.ones(m, bool),
        "typo_first_name": np.ones(m, bool),
        "names_swapped": np.ones(m, bool),
        "mixed_case": np.ones(m, bool),
        "street_words_changed": (places.kind[where] == KIND_STREET),
        "unit_missing": places.unit_kind[where] >= 0,
        "unit_as_hash": (places.unit_kind[where] >= 0) & (places.unit_kind[where] != 2),
        "zip_plus4": np.ones(m, bool),
        "typo_street": places.kind[where] == KIND_STREET,
    }
    chosen = {name: np.zeros(m, bool) for name in eligible}
    for cat, (low, high) in _DISTORTED.items():
        rows = np.flatnonzero(plan.category == _CATEGORIES.index(cat))
        if cat is Category.VARIANT:
            # An older address of record already counts as one distortion.
            low_rows = rows[plan.older_address[rows]]
            high_rows = rows[~plan.older_address[rows]]
            for part, lo, hi in ((low_rows, 0, 1), (high_rows, low, high)):
                for name, mask in distort.choose(rng, eligible, part, lo, hi).items():
                    chosen[name] |= mask
        else:
            for name, mask in distort.choose(rng, eligible, rows, low, high).items():
                chosen[name] |= mask

    nickname = np.full(m, -1, dtype=np.int64)
    nick = np.flatnonzero(chosen["nickname"])
    base = names.nickname_of[people.given1[who[nick]]]
    count = names.nickname_count[people.given1[who[nick]]]
    nickname[nick] = base + np.floor(rng.random(len(nick)) * count).astype(np.int64)
    trap = np.isin(plan.category, [_CATEGORIES.index(c) for c in _TRAPS])
    rendered = render_names(
        names,
        people,
        who,
        accented=people.accented[who] ^ chosen["accents_changed"],
        drop_given2=chosen["middle_name_dropped"],
        drop_middle=chosen["middle_name_dropped"],
        drop_surname2=chosen["second_surname_dropped"],
        drop_suffix=trap,
        nickname=nickname,
    )
    building = plan.category == _CATEGORIES.index(Category.SAME_NAME_BUILDING)
    address = render_addresses(
        places,
        zips,
        streets,
        where,
        spelled=places.spelled[where] ^ chosen["street_words_changed"],
        drop_unit=chosen["unit_missing"] | building,
    )
    first = distort.typo(rendered.first, chosen["typo_first_name"], rng)
    last = distort.typo(rendered.last, chosen["typo_last_name"], rng)
    first, last = distort.swap(first, last, chosen["names_swapped"])
    case = chosen["mixed_case"]
    columns: dict[str, pa.Array] = {
        "first_name": distort.mixed_case(first, case),
        "last_name": distort.mixed_case(last, case),
        "middle_name": distort.mixed_case(rendered.middle, case),
        "name_suffix": rendered.suffix,
        "street_address": distort.mixed_case(
            distort.typo(address.street_address, chosen["typo_street"], rng), case
        ),
        "unit": distort.mixed_case(
            distort.unit_as_hash(address.unit, chosen["unit_as_hash"]), case
        ),
        "city": distort.mixed_case(address.city, case),
        "state": address.state,
        "zip": distort.zip_plus4(address.zip, chosen["zip_plus4"], rng),
    }

    # --- identifiers, dates, reasons ------------------------------------------------------
    tin_value = np.where(plan.tin_mode == TIN_OTHER, plan.other_tin, people.tin[who])
    deficient = plan.category == _CATEGORIES.index(Category.DEFICIENT)
    defect = draw_defects(rng, deficient)
    tin_mode = plan.tin_mode.copy()
    tin_mode[defect == DEFECT_CODES.index("TIN_IMPOSSIBLE")] = TIN_IMPOSSIBLE
    impossible = tin_mode == TIN_IMPOSSIBLE
    tin_value[impossible] = impossible_ssns(rng, int(impossible.sum()))
    tins = tin_strings(tin_value)
    tins = pc.if_else(pa.array(rng.random(m) < 0.4), with_dashes(tins), tins)
    columns["tin"] = pc.if_else(pa.array(tin_mode == TIN_NONE), pa.scalar(None, pa.string()), tins)
    submitted_day = (submitted - _EPOCH).days
    # The requester's own record of the birth date, whether or not the master has one.
    columns["date_of_birth"] = pc.if_else(
        pa.array(plan.dob_given), _dates(people.dob[who]), pa.scalar(None, pa.string())
    )
    order_day = submitted_day - rng.integers(120, 3650, m)
    a_numbers = _a_numbers(rng, m, seed)
    columns["a_number"] = a_numbers
    columns["removal_order_final_date"] = _dates(order_day)
    offices = pc.coalesce(
        pc.index_in(address.state, pa.array(list(_OFFICES))).cast(pa.int64()),
        pa.scalar(len(_OFFICES), pa.int64()),
    )
    office_names = pa.array([*_OFFICES.values(), "field office"], pa.string()).take(offices)
    columns["reason"] = _reasons(rng, a_numbers, _dates(order_day), office_names)
    columns = apply_defects(
        columns,
        defect,
        rng,
        submitted_day=submitted_day,
        streets=streets,
        place=where,
        places=places,
    )

    request_ids = pc.binary_join_element_wise(
        "R", pc.utf8_lpad(pc.cast(pa.array(np.arange(1, m + 1)), pa.string()), 7, "0"), ""
    )
    columns["request_id"] = request_ids
    records = pa.table(columns)

    # --- truth ----------------------------------------------------------------------------
    taxpayers_tin = pc.if_else(
        pa.array(plan.from_taxpayer), tin_strings(people.tin[who]), pa.scalar(None, pa.string())
    )
    outcome = np.array(
        [str(_OUTCOME.get(Category(c), Outcome.NOT_DISCLOSED)) for c in _CATEGORIES], dtype=object
    )[plan.category]
    matchable = plan.matchable.copy()
    for cat in (Category.TIN_CONFLICT, Category.MOVED, Category.NEVER_FILED):
        matchable[plan.category == _CATEGORIES.index(cat)] = False
    matchable &= ~trap
    # A deficient request is lawfully matchable only if its name and address are still the
    # taxpayer's own (its defect is in the order, the A-number or the TIN).
    codes = np.array([None, *DEFECT_CODES], dtype=object)[defect + 1]
    address_or_name_defect = np.array(
        [c is not None and c.startswith(("ADDRESS_", "NAME_")) for c in codes]
    )
    matchable &= ~address_or_name_defect
    # The law requires the address to the unit where either side has one: a request that
    # drops the taxpayer's unit is not lawfully matchable, whatever else agrees.
    matchable &= ~chosen["unit_missing"]
    outcome = np.where(
        chosen["unit_missing"] & (outcome == str(Outcome.DISCLOSED)),
        str(Outcome.NOT_DISCLOSED),
        outcome,
    )
    # An impossible TIN is an optional field set aside (an advisory), not a defect: the
    # request is decided on its name and address, as if it gave no TIN.
    set_aside = codes == "TIN_IMPOSSIBLE"
    category = np.where(set_aside, TIN_SET_ASIDE, category)
    codes = np.where(set_aside, None, codes)
    outcome = np.where(
        set_aside,
        np.where(matchable, str(Outcome.DISCLOSED), str(Outcome.NOT_DISCLOSED)),
        outcome,
    )
    variations = _variations(chosen, plan, trap, building)
    truth = pa.table(
        {
            "request_id": request_ids,
            "tin": taxpayers_tin,
            "category": pa.array(category, pa.string()),
            "expected_outcome": pa.array(outcome, pa.string()),
            "expected_code": pa.array(codes, pa.string()),
            "variations": variations,
            "lawfully_matchable": pa.array(matchable),
        }
    )
    return RenderedBatch(records=records, truth=truth)


def _reasons(
    rng: np.random.Generator, a_numbers: pa.Array, orders: pa.Array, offices: pa.Array
) -> pa.Array:
    template = rng.integers(0, len(_REASONS), len(a_numbers))
    out = pa.nulls(len(a_numbers), pa.string())
    for i, text in enumerate(_REASONS):
        # Build each template columnwise by splitting at its placeholders.
        filled = _fill(text, {"a": a_numbers, "order": orders, "office": offices})
        out = pc.if_else(pa.array(template == i), filled, out)
    return out


def _fill(text: str, values: dict[str, pa.Array]) -> pa.Array:
    parts: list[pa.Array | str] = []
    rest = text
    while "{" in rest:
        head, _, tail = rest.partition("{")
        key, _, rest = tail.partition("}")
        if head:
            parts.append(head)
        parts.append(values[key])
    if rest:
        parts.append(rest)
    return pc.binary_join_element_wise(*parts, "")


def _variations(
    chosen: dict[str, np.ndarray], plan: Plan, trap: np.ndarray, building: np.ndarray
) -> pa.Array:
    """Per request, the distortions applied, joined by ';' (null when none)."""
    labels = dict(chosen)
    labels["older_address"] = plan.older_address
    labels["suffix_omitted"] = trap & (plan.category == _CATEGORIES.index(Category.HOUSEHOLD_JR_SR))
    labels["unit_missing"] = labels["unit_missing"] | building
    parts = [
        pc.if_else(pa.array(mask), label, pa.scalar(None, pa.string()))
        for label, mask in labels.items()
    ]
    # Not null_handling="skip": pyarrow 26 drops the rows where every part is null.
    joined = pc.binary_join_element_wise(*parts, ";", null_handling="replace")
    joined = pc.replace_substring_regex(joined, ";{2,}", ";")
    joined = pc.replace_substring_regex(joined, "^;|;$", "")
    return pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
