"""USPS Publication 28 tables and reference sets for address standardization.

The suffix, directional and unit-designator variants come from usaddress-scourgify's constant
tables (MIT; Pub 28 Appendix C1 and C2), copied once at import into our own frozen mappings and
completed where Pub 28 has entries scourgify lacks. States come from the ``us`` package; ZIP codes
with their states and city names from the ``zipcodes`` package, as the two columns of it that
``scripts/standardize_tables.py`` writes to ``data/`` (``zipcodes`` itself builds a dict for
every ZIP code, a second's work). All are offline data, loaded once into dicts. Nothing here
reads the network.
"""

from __future__ import annotations

import functools
from importlib import resources
from types import MappingProxyType
from typing import Final

import us
from scourgify import address_constants as _scourgify

__all__ = [
    "COUNTRY_NAMES",
    "DIRECTIONALS",
    "HIGHWAY_PREFIXES",
    "MILITARY_STATES",
    "NUMBER_WORDS",
    "PLACEHOLDER_PHRASES",
    "PLACEHOLDER_WHOLE",
    "STATE_NAMES",
    "STREET_SUFFIXES",
    "UNIT_DESIGNATORS",
    "UNIT_WITHOUT_ID",
    "VALID_STATES",
    "zip_city_names",
    "zip_prefix_states",
    "zip_states",
]

# --- directionals (Pub 28 Appendix B) ---------------------------------------------------------
DIRECTIONALS: Final = MappingProxyType(
    {
        **dict(_scourgify.DIRECTIONAL_REPLACEMENTS),
        **{v: v for v in _scourgify.DIRECTIONAL_REPLACEMENTS.values()},
        "NORTH EAST": "NE",
        "NORTH WEST": "NW",
        "SOUTH EAST": "SE",
        "SOUTH WEST": "SW",
    }
)

# --- street suffixes (Pub 28 Appendix C1) -----------------------------------------------------
# Only single-word variants: the multi-word entries of scourgify ("STATE HIGHWAY", "COUNTY ROAD")
# are highway names, which Pub 28 keeps as the street name rather than as a suffix.
_suffixes = {k: v for k, v in _scourgify.STREET_TYPE_ABBREVIATIONS.items() if " " not in k}
# Standard abbreviations map to themselves, so an already standard suffix is recognised.
_suffixes.update({v: v for v in _suffixes.values()})
STREET_SUFFIXES: Final = MappingProxyType(dict(sorted(_suffixes.items())))

# --- secondary unit designators (Pub 28 Appendix C2) ------------------------------------------
_units = dict(_scourgify.OCCUPANCY_TYPE_ABBREVIATIONS)
_units.update({v: v for v in _scourgify.OCCUPANCY_TYPE_ABBREVIATIONS.values()})
_units.update(
    {
        "APT": "APT",
        "APTO": "APT",  # Spanish "apartamento", common in PR and border addresses
        "APARTAMENTO": "APT",
        "STE": "STE",
        "SUIT": "STE",
        "SPACE": "SPC",
        "SP": "SPC",
        "TRAILOR": "TRLR",
        "RM": "RM",
        "FLR": "FL",
        "FLOOR": "FL",
        "BLDG": "BLDG",
        "BLD": "BLDG",
        "DEPT": "DEPT",
        "NO": "#",  # "NO 4" and "NUM 4" mean "# 4"
        "NUM": "#",
        "NUMBER": "#",
        "UPPR": "UPPR",
        "UPPER": "UPPR",
        "LOWR": "LOWR",
        "LOWER": "LOWR",
        "HANGAR": "HNGR",
    }
)
UNIT_DESIGNATORS: Final = MappingProxyType(dict(sorted(_units.items())))
# Pub 28 C2 designators that do not take a secondary number.
UNIT_WITHOUT_ID: Final = frozenset(
    {"BSMT", "FRNT", "LBBY", "LOWR", "OFC", "PH", "REAR", "SIDE", "UPPR"}
)

# --- highways (Pub 28 section 234, highway-style addresses) -----------------------------------
# Variant prefix -> the spelled-out form Pub 28 prints before the highway number.
HIGHWAY_PREFIXES: Final = MappingProxyType(
    {
        "STATE HIGHWAY": "STATE HIGHWAY",
        "STATE HWY": "STATE HIGHWAY",
        "ST HWY": "STATE HIGHWAY",
        "SH": "STATE HIGHWAY",
        "STATE ROUTE": "STATE ROUTE",
        "STATE RTE": "STATE ROUTE",
        "STATE RT": "STATE ROUTE",
        "SR": "STATE ROUTE",
        "STATE ROAD": "STATE ROAD",
        "STATE RD": "STATE ROAD",
        "US HIGHWAY": "US HIGHWAY",
        "US HWY": "US HIGHWAY",
        "US": "US HIGHWAY",
        "US ROUTE": "US ROUTE",
        "US RTE": "US ROUTE",
        "US RT": "US ROUTE",
        "COUNTY ROAD": "COUNTY ROAD",
        "COUNTY RD": "COUNTY ROAD",
        "CO RD": "COUNTY ROAD",
        "CR": "COUNTY ROAD",
        "COUNTY HIGHWAY": "COUNTY HIGHWAY",
        "COUNTY HWY": "COUNTY HIGHWAY",
        "CO HWY": "COUNTY HIGHWAY",
        "COUNTY ROUTE": "COUNTY ROUTE",
        "COUNTY RTE": "COUNTY ROUTE",
        "INTERSTATE": "INTERSTATE",
        "IH": "INTERSTATE",
        "HIGHWAY": "HIGHWAY",
        "HWY": "HIGHWAY",
        "HIWAY": "HIGHWAY",
        "ROUTE": "ROUTE",
        "RTE": "ROUTE",
        "FM": "FM",  # Texas farm-to-market roads: "FM 1960", never "1960TH"
        "FARM TO MARKET": "FM",
        "FARM TO MARKET ROAD": "FM",
        "RANCH ROAD": "RANCH ROAD",
        "RR": "RANCH ROAD",  # only after a house number; "RR 2 BOX 5" is a rural route
        "CARR": "CARR",  # Puerto Rico "carretera"
        "CARRETERA": "CARR",
    }
)

# --- numbered streets: spelled ordinals to digits ---------------------------------------------
_ORDINAL_UNITS = {
    "FIRST": 1,
    "SECOND": 2,
    "THIRD": 3,
    "FOURTH": 4,
    "FIFTH": 5,
    "SIXTH": 6,
    "SEVENTH": 7,
    "EIGHTH": 8,
    "NINTH": 9,
    "TENTH": 10,
    "ELEVENTH": 11,
    "TWELFTH": 12,
    "THIRTEENTH": 13,
    "FOURTEENTH": 14,
    "FIFTEENTH": 15,
    "SIXTEENTH": 16,
    "SEVENTEENTH": 17,
    "EIGHTEENTH": 18,
    "NINETEENTH": 19,
}
_TENS = {
    "TWENTY": 20,
    "THIRTY": 30,
    "FORTY": 40,
    "FIFTY": 50,
    "SIXTY": 60,
    "SEVENTY": 70,
    "EIGHTY": 80,
    "NINETY": 90,
}
_TENS_ORDINAL = {k[:-1] + "IETH": v for k, v in _TENS.items()}


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}TH"
    return f"{n}{ {1: 'ST', 2: 'ND', 3: 'RD'}.get(n % 10, 'TH') }"


def _number_words() -> dict[str, str]:
    words = {w: _ordinal(n) for w, n in {**_ORDINAL_UNITS, **_TENS_ORDINAL}.items()}
    for tens, t in _TENS.items():
        for unit, u in _ORDINAL_UNITS.items():
            if u < 10:
                words[f"{tens} {unit}"] = _ordinal(t + u)
    words["HUNDREDTH"] = "100TH"
    return words


# Whole street names that are spelled ordinals ("FIFTH", "TWENTY FIRST") -> "5TH", "21ST".
NUMBER_WORDS: Final = MappingProxyType(_number_words())

# --- states -----------------------------------------------------------------------------------
MILITARY_STATES: Final = frozenset({"AA", "AE", "AP"})
VALID_STATES: Final = frozenset(
    {s.abbr for s in us.states.STATES_AND_TERRITORIES}
    | {"DC", "PR", "GU", "VI", "AS", "MP"}
    | MILITARY_STATES
)


def _state_names() -> dict[str, str]:
    names = {k: v for k, v in _scourgify.STATE_ABBREVIATIONS.items() if v in VALID_STATES}
    for s in us.states.STATES_AND_TERRITORIES:
        names[s.name.upper()] = s.abbr
    names.update(
        {
            "DISTRICT OF COLUMBIA": "DC",
            "WASHINGTON DC": "DC",
            "PUERTO RICO": "PR",
            "ARMED FORCES AMERICAS": "AA",
            "ARMED FORCES EUROPE": "AE",
            "ARMED FORCES PACIFIC": "AP",
        }
    )
    names.update({abbr: abbr for abbr in VALID_STATES})
    return names


# Any spelling of a state we accept -> its USPS code ("TEXAS", "TEX", "TX" -> "TX").
STATE_NAMES: Final = MappingProxyType(_state_names())


def _data_lines(name: str) -> list[str]:
    """The lines of a file in ``data/``, each of which ends with a newline."""
    text = resources.files("ivs.standardize").joinpath("data", name).read_text("utf-8")
    return text.split("\n")[:-1]


@functools.cache
def zip_states() -> dict[str, frozenset[str]]:
    """ZIP5 -> the state(s) it belongs to, as ``zipcodes`` gives them (loaded once)."""
    out: dict[str, frozenset[str]] = {}
    state_sets: dict[str, frozenset[str]] = {}
    for line in _data_lines("zip_states.csv")[1:]:
        zip5, state = line.split(",")
        states = state_sets.setdefault(state, frozenset((state,)))
        out[zip5] = out[zip5] | states if zip5 in out else states
    return out


@functools.cache
def zip_city_names() -> frozenset[str]:
    """Every city name ``zipcodes`` gives a ZIP (primary or acceptable), upper case.

    A placeholder word may also name a real place (STREET, Maryland): such a city is a city.
    """
    return frozenset(_data_lines("zip_cities.txt"))


@functools.cache
def zip_prefix_states() -> dict[str, frozenset[str]]:
    """First three ZIP digits -> states seen under that prefix (for ZIPs the data lacks)."""
    out: dict[str, set[str]] = {}
    for zip5, states in zip_states().items():
        out.setdefault(zip5[:3], set()).update(states)
    return {k: frozenset(v) for k, v in out.items()}


# --- placeholders -----------------------------------------------------------------------------
# Compared with every non-alphanumeric character removed, so "N/A", "n.a." and "N A" are one
# entry. PLACEHOLDER_WHOLE must be the whole field; PLACEHOLDER_PHRASES may appear anywhere.
PLACEHOLDER_WHOLE: Final = frozenset(
    {
        "NA",
        "NANA",
        "NAN",
        "NONE",
        "NULL",
        "NIL",
        "TBD",
        "TBA",
        "UNK",
        "UNKN",
        "UNKNOWN",
        "XXX",
        "XX",
        "X",
        "NOADDRESS",
        "NOADDR",
        "NOTAPPLICABLE",
        "NOTAVAILABLE",
        "UNAVAILABLE",
        "NOTGIVEN",
        "NOTPROVIDED",
        "REFUSED",
        "DECLINED",
        "ADDRESS",
        "STREET",
        "TEST",
        "SAME",
        "DITTO",
        "ABOVE",
        "PENDING",
        "DONOTUSE",
        "DONTKNOW",
        "DONOTKNOW",
        "BLANK",
        "EMPTY",
        "MISSING",
        "NOFIXEDADDRESS",
        "NFA",
        "TRANSIENT",
    }
)
PLACEHOLDER_PHRASES: Final = frozenset(
    {
        "FAILEDTOPROVIDE",
        "FAILTOPROVIDE",
        "UNKNOWNADDRESS",
        "ADDRESSUNKNOWN",
        "ADDRESSNOTKNOWN",
        "NOKNOWNADDRESS",
        "NOADDRESSGIVEN",
        "NOADDRESSPROVIDED",
        "ADDRESSNOTPROVIDED",
        "NOTPROVIDED",
        "DONTCARE",
        "DONOTCARE",
        "SAMEASABOVE",
        "SEEABOVE",
        "SEEAFILE",
        "SEEALIENFILE",
        "SEEFILE",
        "SEEATTACHED",
        "SEEREMARKS",
        "SEENARRATIVE",
        "INCUSTODY",
        "HOMELESS",
        "NOFIXEDADDRESS",
        "NOFIXEDABODE",
        "NOPERMANENTADDRESS",
        "WILLPROVIDE",
        "TOBEDETERMINED",
        "TOBEPROVIDED",
        "NOTAVAILABLE",
        "NOTAPPLICABLE",
        "DECLINEDTOPROVIDE",
        "REFUSEDTOPROVIDE",
        "UNKNOWNSTREET",
        "STREETUNKNOWN",
    }
)

# --- countries --------------------------------------------------------------------------------
# An address that is only a country (compared without spaces and punctuation).
COUNTRY_NAMES: Final = frozenset(
    {
        "USA",
        "US",
        "UNITEDSTATES",
        "UNITEDSTATESOFAMERICA",
        "AMERICA",
        "MEXICO",
        "GUATEMALA",
        "HONDURAS",
        "ELSALVADOR",
        "NICARAGUA",
        "COSTARICA",
        "PANAMA",
        "CUBA",
        "HAITI",
        "DOMINICANREPUBLIC",
        "JAMAICA",
        "COLOMBIA",
        "VENEZUELA",
        "ECUADOR",
        "PERU",
        "BRAZIL",
        "BOLIVIA",
        "CHILE",
        "ARGENTINA",
        "CANADA",
        "INDIA",
        "CHINA",
        "PHILIPPINES",
        "VIETNAM",
        "RUSSIA",
        "UKRAINE",
        "NIGERIA",
        "GHANA",
        "SOMALIA",
        "ETHIOPIA",
        "SENEGAL",
        "MAURITANIA",
        "AFGHANISTAN",
        "PAKISTAN",
        "BANGLADESH",
        "NEPAL",
        "TURKEY",
        "ROMANIA",
        "ALBANIA",
        "UZBEKISTAN",
    }
)
