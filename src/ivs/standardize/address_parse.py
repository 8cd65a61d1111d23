"""The per-record (slow path) parser of a cleaned delivery line.

Forms the usaddress tagger gets wrong or refuses are recognised first by our own rules: PO Box,
rural route and highway contract with box, military PSC/UNIT/CMR boxes, General Delivery,
Puerto Rico urbanizations, highways ("STATE HIGHWAY 71", "FM 1960 RD", "HWY 71 LOT 12"), grid
numbers ("1234 S 500 E") and secondary units. What remains is an ordinary street line, tagged
by usaddress and then normalised with the Pub 28 tables; when the tagger's labels make no street
(it raises on repeated labels for a small share of inputs), our own right-to-left rules decide.

Input is always the output of :func:`ivs.standardize.address_clean.clean_text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

import usaddress

from ivs.standardize.address_tables import (
    DIRECTIONALS,
    HIGHWAY_PREFIXES,
    MILITARY_STATES,
    NUMBER_WORDS,
    STREET_SUFFIXES,
    UNIT_DESIGNATORS,
    UNIT_WITHOUT_ID,
)

__all__ = ["AddressKind", "AddressParts", "normalize_unit_id", "parse_delivery_line"]

AddressKind = Literal[
    "street",
    "po_box",
    "rural_route",
    "highway_contract",
    "military",
    "general_delivery",
    "unknown",
]


@dataclass(frozen=True, slots=True)
class AddressParts:
    """Pub 28 components of one delivery line; ``None`` where a component is absent."""

    kind: AddressKind = "unknown"
    house_number: str | None = None
    predir: str | None = None
    street_name: str | None = None
    suffix: str | None = None
    postdir: str | None = None
    unit_type: str | None = None
    unit_id: str | None = None
    unit: str | None = None
    po_box: str | None = None
    route: str | None = None
    urbanization: str | None = None
    line: str | None = None


_BOX_ID = r"(?:# )?([0-9][A-Z0-9-]*|[A-Z])"
_PO_BOX = re.compile(
    r"^(?:P ?O ?BOX|POST OFFICE BOX|POST OFF BOX|POSTAL BOX|POB|P ?O ?BX|PO B|BOX|BX|"
    r"P ?O ?DRAWER|DRAWER|PO DRAWER|APARTADO|APDO|CALLER|FIRM CALLER|LOCKBOX)"
    rf"(?: {_BOX_ID})?$"
)
_PO_BOX_GLUED = re.compile(r"^P ?O ?BOX([0-9]+)$|^BOX([0-9]+)$")
_RURAL_ROUTE = re.compile(
    r"^(?:RR|R R|RURAL ROUTE|RURAL RTE|RURAL RT|RFD|R F D|RD|RURAL DELIVERY)"
    rf" ?([0-9]+)(?: (?:BOX|BX) {_BOX_ID})?$"
)
# "ROUTE 9 BOX 5" is a rural route; "ROUTE 9" alone is a highway without a house number.
_ROUTE_WITH_BOX = re.compile(rf"^(?:RT|RTE|ROUTE) ?([0-9]+) (?:BOX|BX) {_BOX_ID}$")
_HIGHWAY_CONTRACT = re.compile(
    r"^(?:HC|HCR|H C|HIGHWAY CONTRACT|HWY CONTRACT|HIGHWAY CONTRACT ROUTE|HC ROUTE|STAR ROUTE|"
    rf"STAR RTE) ?([0-9]+)(?: (?:BOX|BX) {_BOX_ID})?$"
)
_MILITARY = re.compile(rf"^(PSC|CMR|UNIT) ([0-9]+)(?: (?:BOX|BX) {_BOX_ID})?$")
_GENERAL_DELIVERY = re.compile(r"^(?:GENERAL|GEN) (?:DELIVERY|DEL|DELIV)$")
_URB_WORDS = r"URB|URBANIZACION|URBANIZATION|URBANIZ"
_URB_FIRST = re.compile(rf"^(?:{_URB_WORDS}) (.+?) ([0-9].*)$")
_URB_LAST = re.compile(rf"^([0-9].*?) (?:{_URB_WORDS}) (.+)$")
_HOUSE_NUMBER = re.compile(r"^(?:[0-9]+(?:-[0-9]+)?[A-Z]?|[0-9]+-[A-Z]|[NSEW][0-9]+[NSEW][0-9]+)$")
_FRACTION = re.compile(r"^[0-9]/[0-9]{1,2}$")
_HIGHWAY = re.compile(
    "^(?:(" + "|".join(sorted(HIGHWAY_PREFIXES, key=lambda w: (-len(w), w))) + r") ([0-9]+[A-Z]?))$"
)
_UNIT_ID = re.compile(r"^(?:[A-Z0-9]*[0-9][A-Z0-9-]*|[A-Z]{1,2}|[A-Z]-?[0-9]+)$")
_MILITARY_CITIES = frozenset({"APO", "FPO", "DPO"})


def normalize_unit_id(unit_id: str) -> str:
    """ "4-B" -> "4B", "B-4" -> "B4", "04B" -> "4B"; "12-3" keeps its hyphen (it may be a
    building and a unit, so joining would be unsafe)."""
    out = re.sub(r"(?<=[0-9])-(?=[A-Z])|(?<=[A-Z])-(?=[0-9])", "", unit_id)
    return re.sub(r"^0+(?=[0-9])", "", out)


def _house(number: str) -> str:
    return re.sub(r"^0+(?=[0-9])", "", number)


def _render(parts: AddressParts) -> AddressParts:
    if parts.kind == "po_box":
        line = f"PO BOX {parts.po_box}" if parts.po_box else "PO BOX"
    elif parts.kind in ("rural_route", "highway_contract", "military"):
        line = " ".join(
            p for p in (parts.route, "BOX" if parts.po_box else None, parts.po_box) if p
        )
    elif parts.kind == "general_delivery":
        line = "GENERAL DELIVERY"
    else:
        fields = (parts.house_number, parts.predir, parts.street_name, parts.suffix, parts.postdir)
        line = " ".join(p for p in fields if p)
    unit = " ".join(p for p in (parts.unit_type, parts.unit_id) if p) or None
    return replace(parts, line=line or None, unit=unit)


def _split_units(tokens: list[str]) -> tuple[list[str], str | None, str | None]:
    """Remove trailing secondary units; return the rest and the last unit's type and id."""
    unit_type: str | None = None
    unit_id: str | None = None
    while "#" in tokens:
        # Everything after a pound sign is its unit id ("# S B" -> "# SB"): the sign is
        # never part of a street, and a unit column given as a bare id is written this way.
        # Each pound sign is cut off, the last first; the last with a usable id gives the unit
        # (one left in the street would read as a unit when the line is standardized again).
        at = len(tokens) - 1 - tokens[::-1].index("#")
        rest = [t for t in tokens[at + 1 :] if t.isalnum()]
        tokens = tokens[:at]
        if rest and unit_type is None:
            unit_type, unit_id = "#", normalize_unit_id("".join(rest))
            named = UNIT_DESIGNATORS.get(tokens[-1]) if tokens else None
            if named is not None and named not in UNIT_WITHOUT_ID:
                unit_type, tokens = named, tokens[:-1]
    while tokens:
        last = tokens[-1]
        std = UNIT_DESIGNATORS.get(last)
        if std in UNIT_WITHOUT_ID and len(tokens) >= 2:
            tokens = tokens[:-1]
            unit_type = unit_type or std
            continue
        if len(tokens) >= 2 and _UNIT_ID.match(last):
            designator = UNIT_DESIGNATORS.get(tokens[-2])
            if designator is not None and designator not in UNIT_WITHOUT_ID:
                tokens = tokens[:-2]
                # "APT # 4B": the named designator wins over the pound sign.
                if (
                    tokens
                    and designator == "#"
                    and UNIT_DESIGNATORS.get(tokens[-1], "REAR") not in UNIT_WITHOUT_ID
                ):
                    designator = UNIT_DESIGNATORS[tokens[-1]]
                    tokens = tokens[:-1]
                if unit_type is None:
                    unit_type, unit_id = designator, normalize_unit_id(last)
                continue
        break
    return tokens, unit_type, unit_id


def _street_name(words: list[str]) -> str | None:
    if not words:
        return None
    name = " ".join(words)
    # Numbered streets are unified: "FIFTH" -> "5TH", "TWENTY-FIRST" -> "21ST".
    return NUMBER_WORDS.get(name.replace("-", " "), name)


def _finish_street(
    house: str | None,
    predir: str | None,
    name_words: list[str],
    suffix: str | None,
    postdir: str | None,
) -> AddressParts:
    if not name_words and suffix is not None:
        # "123 AVENUE": a lone suffix word is the street's name, not its type.
        name_words, suffix = [suffix], None
    if not name_words and predir is not None and postdir is None:
        name_words, predir = [predir], None
    return AddressParts(
        kind="street",
        house_number=house,
        predir=DIRECTIONALS.get(predir) if predir else None,
        street_name=_street_name(name_words),
        suffix=STREET_SUFFIXES.get(suffix) if suffix else None,
        postdir=DIRECTIONALS.get(postdir) if postdir else None,
    )


def _rules_street(house: str | None, words: list[str]) -> AddressParts:
    """Right-to-left Pub 28 reading: [predir] name [suffix] [postdir]."""
    postdir = suffix = predir = None
    if len(words) >= 2 and words[-1] in DIRECTIONALS:
        postdir, words = words[-1], words[:-1]
    if len(words) >= 2 and words[-1] in STREET_SUFFIXES:
        suffix, words = words[-1], words[:-1]
    if len(words) >= 2 and words[0] in DIRECTIONALS:
        predir, words = words[0], words[1:]
    return _finish_street(house, predir, words, suffix, postdir)


def _highway(house: str | None, words: list[str]) -> AddressParts | None:
    """A highway-style street: [predir] PREFIX NUMBER [suffix] [postdir]."""
    predir = postdir = suffix = None
    if len(words) >= 3 and words[0] in DIRECTIONALS:
        predir, words = words[0], words[1:]
    if len(words) >= 3 and words[-1] in DIRECTIONALS:
        postdir, words = words[-1], words[:-1]
    if len(words) >= 3 and words[-1] in STREET_SUFFIXES:
        suffix, words = words[-1], words[:-1]
    match = _HIGHWAY.match(" ".join(words))
    if match is None:
        return None
    prefix = HIGHWAY_PREFIXES[match.group(1)]
    if prefix == "RANCH ROAD" and house is None:
        return None
    return AddressParts(
        kind="street",
        house_number=house,
        predir=DIRECTIONALS.get(predir) if predir else None,
        street_name=f"{prefix} {match.group(2)}",
        suffix=STREET_SUFFIXES.get(suffix) if suffix else None,
        postdir=DIRECTIONALS.get(postdir) if postdir else None,
    )


_STREET_LABELS = {
    "AddressNumberPrefix": "house",
    "AddressNumber": "house",
    "AddressNumberSuffix": "house",
    "StreetNamePreDirectional": "predir",
    "StreetNamePreModifier": "name",
    "StreetNamePreType": "name",
    "StreetName": "name",
    "StreetNamePostType": "suffix",
    "StreetNamePostDirectional": "postdir",
}
# Labels that do not belong in a delivery line but may be tacked onto one (a city, a state, a
# ZIP code, a country written after the street); they are dropped once the street has its
# suffix. Before it they are the tagger's misreading of the street itself: it reads
# "515 1/2 SAN PEDRO ST" as a house number, a city and a state (ST, CT and PL are state codes
# to it), and "123 SALT LAKE CITY WAY" as "123 SALT" and a city.
_IGNORED_LABELS = frozenset({"PlaceName", "StateName", "ZipCode", "CountryName"})


def _tagged_street(words: list[str]) -> AddressParts:
    """Tag an ordinary street line with usaddress and normalise its components."""
    try:
        tokens = usaddress.parse(" ".join(words))
    except Exception:  # the tagger's failures all mean one thing: no tagging
        tokens = []
    groups: dict[str, list[str]] = {"house": [], "predir": [], "name": [], "suffix": []}
    groups["postdir"] = []
    for token, label in tokens:
        role = _STREET_LABELS.get(label)
        if role is None:
            if label in _IGNORED_LABELS and groups["suffix"]:
                continue
            # Anything else (recipient, landmark, a second unit) means the tagger did not read
            # this as one street line: our own rules decide instead.
            return _rules_on_words(words)
        groups[role].append(token)
    house = " ".join(groups["house"]) or None
    if house is not None and not _house_is_number(house):
        return _rules_on_words(words)
    suffix_words = groups["suffix"]
    predir_words = groups["predir"]
    postdir_words = groups["postdir"]
    if (
        len(suffix_words) > 1
        or len(predir_words) > 1
        or len(postdir_words) > 1
        or (suffix_words and suffix_words[0] not in STREET_SUFFIXES)
        or (predir_words and predir_words[0] not in DIRECTIONALS)
        or (postdir_words and postdir_words[0] not in DIRECTIONALS)
    ):
        return _rules_on_words(words)
    name_words = groups["name"]
    if not suffix_words and len(name_words) >= 2 and name_words[-1] in STREET_SUFFIXES:
        # The tagger reads "EL CAMINO ROAD" as one name; Pub 28 reads the last word as the
        # suffix, as the right-to-left rules and the fast path do.
        suffix_words, name_words = [name_words[-1]], name_words[:-1]
    return _finish_street(
        _house(house) if house else None,
        predir_words[0] if predir_words else None,
        name_words,
        suffix_words[0] if suffix_words else None,
        postdir_words[0] if postdir_words else None,
    )


def _house_is_number(house: str) -> bool:
    parts = house.split(" ")
    return bool(_HOUSE_NUMBER.match(parts[0])) and all(_FRACTION.match(p) for p in parts[1:])


def _rules_on_words(words: list[str]) -> AddressParts:
    house, rest = _take_house(words)
    return _rules_street(house, rest)


def _take_house(words: list[str]) -> tuple[str | None, list[str]]:
    if not words or not _HOUSE_NUMBER.match(words[0]):
        return None, words
    house = _house(words[0])
    rest = words[1:]
    if rest and _FRACTION.match(rest[0]):
        house, rest = f"{house} {rest[0]}", rest[1:]
    return house, rest


def _street(words: list[str]) -> AddressParts:
    house, rest = _take_house(words)
    highway = _highway(house, rest)
    if highway is not None:
        return highway
    if house is not None and not rest:
        return AddressParts(kind="street", house_number=house)
    if house is not None and all(w.isdigit() or "/" in w for w in rest):
        # "123 45": numbers only, no street
        return AddressParts(kind="street", house_number=" ".join([house, *rest]))
    if any(w.isdigit() for w in rest) or house is None:
        # Grid streets ("1234 S 500 E") and lines without a house number: the tagger guesses
        # badly on both, so the rules read them.
        return _rules_street(house, rest)
    return _tagged_street(words)


def _box(match: re.Match[str]) -> str | None:
    box = next((g for g in match.groups()[1:] if g), None)
    return normalize_unit_id(box) if box else None


def parse_delivery_line(text: str, city: str = "", state: str = "") -> AddressParts:
    """Parse one cleaned delivery line (street and unit merged) into Pub 28 components."""
    text = text.strip()
    if not text:
        return AddressParts()
    if _GENERAL_DELIVERY.match(text):
        return _render(AddressParts(kind="general_delivery"))
    glued = _PO_BOX_GLUED.match(text)
    if glued:
        return _render(AddressParts(kind="po_box", po_box=glued.group(1) or glued.group(2)))
    po = _PO_BOX.match(text)
    if po:
        box = po.group(1)
        return _render(AddressParts(kind="po_box", po_box=normalize_unit_id(box) if box else None))
    military = _MILITARY.match(text)
    if military and (
        military.group(1) != "UNIT" or state in MILITARY_STATES or city in _MILITARY_CITIES
    ):
        box = military.group(3)
        return _render(
            AddressParts(
                kind="military",
                route=f"{military.group(1)} {military.group(2)}",
                po_box=normalize_unit_id(box) if box else None,
            )
        )
    for pattern, kind, label in (
        (_RURAL_ROUTE, "rural_route", "RR"),
        (_ROUTE_WITH_BOX, "rural_route", "RR"),
        (_HIGHWAY_CONTRACT, "highway_contract", "HC"),
    ):
        found = pattern.match(text)
        if found:
            box = found.group(2)
            return _render(
                AddressParts(
                    kind=kind,  # type: ignore[arg-type]
                    route=f"{label} {int(found.group(1))}",
                    po_box=normalize_unit_id(box) if box else None,
                )
            )
    urbanization = None
    urb = _URB_FIRST.match(text)
    if urb:
        urbanization, text = f"URB {urb.group(1)}", urb.group(2)
    else:
        urb = _URB_LAST.match(text)
        if urb:
            text, urbanization = urb.group(1), f"URB {urb.group(2)}"
    words, unit_type, unit_id = _split_units(text.split(" "))
    parts = _street(words) if words else AddressParts()
    if not words and unit_type is None:
        parts = AddressParts()
    return _render(replace(parts, unit_type=unit_type, unit_id=unit_id, urbanization=urbanization))
