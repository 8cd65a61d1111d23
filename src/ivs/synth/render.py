"""Index arrays to strings: names and addresses as the master file or a requester writes them.

Every function here is columnar (pyarrow.compute over whole arrays), so that rendering ten
million taxpayers costs a few passes over memory rather than a Python call per person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ivs.synth.people import JOINERS, SUFFIXES, People
from ivs.synth.places import (
    DIRECTIONS,
    KIND_PO_BOX,
    KIND_PR_URB,
    KIND_RURAL,
    KIND_STREET,
    UNIT_KINDS,
    Places,
)
from ivs.synth.vocab import NameLists, Streets, ZipTable

__all__ = [
    "AddressColumns",
    "NameColumns",
    "fold_accents",
    "null_string",
    "render_addresses",
    "render_names",
    "take",
]

_JOINERS = pa.array(list(JOINERS), pa.string())
_SUFFIXES = pa.array([s or None for s in SUFFIXES], pa.string())
_DIR_ABBREV = pa.array([d[0] for d in DIRECTIONS], pa.string())
_DIR_FULL = pa.array([d[1] for d in DIRECTIONS], pa.string())
_UNIT_KINDS = pa.array(list(UNIT_KINDS), pa.string())
_LETTERS = pa.array([None, "A", "B", "C", "D", "E", "F"], pa.string())
_CALLES = pa.array([chr(ord("A") + i) for i in range(26)], pa.string())
# Letters that NFKD does not decompose into a base letter and a mark.
_UNDECOMPOSED = (("Đ", "D"), ("đ", "d"), ("Ł", "L"), ("ł", "l"), ("Ø", "O"), ("ø", "o"))


def take(vocabulary: pa.Array, ids: np.ndarray) -> pa.Array:
    """``vocabulary[ids]``, null where an id is negative."""
    indices = pa.array(ids.astype(np.int64), mask=ids < 0)
    return vocabulary.take(indices)


def fold_accents(values: pa.Array) -> pa.Array:
    """Letters without their diacritics (García -> Garcia, Nguyễn -> Nguyen)."""
    out = pc.replace_substring_regex(pc.utf8_normalize(values, "NFKD"), r"\p{Mn}", "")
    for letter, plain in _UNDECOMPOSED:
        out = pc.replace_substring(out, letter, plain)
    return out


def _upper(values: pa.Array, accented: np.ndarray) -> pa.Array:
    upper = pc.utf8_upper(values)
    return pc.if_else(pa.array(accented), upper, fold_accents(upper))


@dataclass(frozen=True, slots=True)
class NameColumns:
    first: pa.Array
    middle: pa.Array
    last: pa.Array
    suffix: pa.Array


def render_names(
    names: NameLists,
    people: People,
    who: np.ndarray,
    *,
    accented: np.ndarray | None = None,
    drop_given2: np.ndarray | None = None,
    drop_middle: np.ndarray | None = None,
    drop_surname2: np.ndarray | None = None,
    drop_suffix: np.ndarray | None = None,
    nickname: np.ndarray | None = None,
) -> NameColumns:
    """The names of taxpayers ``who``, upper case; the keyword arrays vary them per row.

    ``nickname`` holds an index into ``names.nicknames`` (or -1) to use instead of the first
    given name.
    """
    none = np.zeros(len(who), dtype=bool)
    given1 = take(names.given, people.given1[who])
    if nickname is not None:
        given1 = pc.if_else(pa.array(nickname >= 0), take(names.nicknames, nickname), given1)
    given2 = take(
        names.given,
        np.where(drop_given2 if drop_given2 is not None else none, -1, people.given2[who]),
    )
    middle = take(
        names.given,
        np.where(drop_middle if drop_middle is not None else none, -1, people.middle[who]),
    )
    surname2_ids = np.where(
        drop_surname2 if drop_surname2 is not None else none, -1, people.surname2[who]
    )
    last = pc.binary_join_element_wise(
        take(names.surnames, people.surname1[who]),
        take(names.surnames, surname2_ids),
        take(_JOINERS, people.joiner[who]),
        null_handling="skip",
    )
    first = pc.binary_join_element_wise(given1, given2, " ", null_handling="skip")
    keep = people.accented[who] if accented is None else accented
    suffix_ids = np.where(drop_suffix if drop_suffix is not None else none, 0, people.suffix[who])
    return NameColumns(
        first=_upper(first, keep),
        middle=_upper(middle, keep),
        last=_upper(last, keep),
        suffix=take(_SUFFIXES, suffix_ids.astype(np.int64)),
    )


@dataclass(frozen=True, slots=True)
class AddressColumns:
    street_address: pa.Array
    unit: pa.Array
    city: pa.Array
    state: pa.Array
    zip: pa.Array


def _number(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values.astype(np.int64)), pa.string())


def _join(*parts: pa.Array | str) -> pa.Array:
    # The first part is never null: with null_handling="skip", pyarrow 26 drops the rows in
    # which every part is null, instead of returning an empty string for them.
    return pc.binary_join_element_wise(*parts, " ", null_handling="skip")


def _street_line(
    places: Places, streets: Streets, ids: np.ndarray, spelled: np.ndarray
) -> pa.Array:
    half = pc.if_else(pa.array(places.half[ids]), "1/2", pa.scalar(None, pa.string()))
    spelled_mask = pa.array(spelled)

    def direction(codes: np.ndarray) -> pa.Array:
        return pc.if_else(spelled_mask, take(_DIR_FULL, codes), take(_DIR_ABBREV, codes))

    suffix_codes = places.suffix[ids].astype(np.int64)
    suffix = pc.if_else(
        spelled_mask,
        streets.suffix_full.take(pa.array(suffix_codes)),
        streets.suffix_abbrev.take(pa.array(suffix_codes)),
    )
    return _join(
        _number(places.house[ids]),
        half,
        direction(places.predir[ids]),
        streets.names.take(pa.array(places.street[ids].astype(np.int64))),
        suffix,
        direction(places.postdir[ids]),
    )


def _rural_line(places: Places, ids: np.ndarray) -> pa.Array:
    route = places.route[ids].astype(np.int64)
    kind = pa.array(np.where(route < 0, "HC", "RR"), pa.string())
    return _join(kind, _number(np.abs(route)), "BOX", _number(places.box[ids]))


def _urbanization_line(places: Places, zips: ZipTable, ids: np.ndarray) -> pa.Array:
    listed = zips.urbanization.take(pa.array(places.zip_row[ids].astype(np.int64)))
    generic = zips.generic_urbanization.take(pa.array(places.urb_generic[ids].astype(np.int64)))
    return _join(
        "URB",
        pc.coalesce(listed, generic),
        _number(places.house[ids]),
        "CALLE",
        _CALLES.take(pa.array(places.calle[ids].astype(np.int64))),
    )


def _unit(places: Places, ids: np.ndarray, drop: np.ndarray) -> pa.Array:
    kinds = np.where(drop, -1, places.unit_kind[ids])
    designator = take(_UNIT_KINDS, kinds)
    number = pc.binary_join_element_wise(
        _number(places.unit_number[ids]),
        take(_LETTERS, places.unit_letter[ids].astype(np.int64)),
        "",
        null_handling="skip",
    )
    spaced = pc.binary_join_element_wise(designator, number, " ")
    hashed = pc.binary_join_element_wise(designator, number, "")
    return pc.if_else(pc.equal(designator, "#"), hashed, spaced)


def render_addresses(
    places: Places,
    zips: ZipTable,
    streets: Streets,
    ids: np.ndarray,
    *,
    spelled: np.ndarray | None = None,
    drop_unit: np.ndarray | None = None,
) -> AddressColumns:
    """Addresses ``ids`` as filed; ``spelled``/``drop_unit`` override the filed forms per row."""
    kind = places.kind[ids]
    spelled = places.spelled[ids] if spelled is None else spelled
    # Each kind of delivery line is built on its own rows, then put back in the given order.
    order = np.argsort(kind, kind="stable")
    pieces: list[pa.Array] = []
    for code in (KIND_STREET, KIND_PO_BOX, KIND_RURAL, KIND_PR_URB):
        rows = order[kind[order] == code]
        sub = ids[rows]
        if code == KIND_STREET:
            pieces.append(_street_line(places, streets, sub, spelled[rows]))
        elif code == KIND_PO_BOX:
            pieces.append(_join("PO BOX", _number(places.box[sub])))
        elif code == KIND_RURAL:
            pieces.append(_rural_line(places, sub))
        else:
            pieces.append(_urbanization_line(places, zips, sub))
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    line = pa.concat_arrays([p.cast(pa.string()) for p in pieces]).take(pa.array(inverse))
    zip_rows = pa.array(places.zip_row[ids].astype(np.int64))
    return AddressColumns(
        street_address=line,
        unit=_unit(places, ids, np.zeros(len(ids), bool) if drop_unit is None else drop_unit),
        city=zips.city.take(zip_rows),
        state=zips.state.take(zip_rows),
        zip=zips.zip.take(zip_rows),
    )


def null_string(count: int) -> pa.Array:
    """A string column of nulls."""
    return pa.nulls(count, pa.string())
