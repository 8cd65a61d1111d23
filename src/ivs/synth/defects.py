"""Deficient requests: exactly one defect each, so the expected rejection code is unambiguous.

The defects are the ones real batches have shown: placeholder text where the address should
be, a ZIP code as the street line, a street without a house number, a jail named without an
address or given with the jail's own address, an order not yet final for 90 days, a missing or
malformed A-number, a placeholder for a name, an SSN that cannot have been issued. The last is
no longer a rejection but an advisory (an optional field set aside): it is drawn here still, so
every world keeps its bytes, and the truth says the request is decided on the rest.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ivs.domain.codes import ADVISORY_CODES, REJECTION_CODES
from ivs.synth.places import Places
from ivs.synth.vocab import Streets, facilities

__all__ = ["DEFECT_CODES", "DEFECT_SHARES", "apply_defects", "draw_defects"]

DEFECT_SHARES: dict[str, float] = {
    "ADDRESS_PLACEHOLDER": 0.20,
    "ADDRESS_BARE_NUMBER": 0.07,
    "ADDRESS_NO_HOUSE_NUMBER": 0.08,
    "ADDRESS_FACILITY_UNLOCATED": 0.08,
    "ADDRESS_CUSTODY_FACILITY": 0.12,
    "ORDER_NOT_FINAL_90_DAYS": 0.10,
    "ANUMBER_MISSING": 0.08,
    "ANUMBER_MALFORMED": 0.08,
    "NAME_PLACEHOLDER": 0.09,
    "TIN_IMPOSSIBLE": 0.10,
}
DEFECT_CODES: tuple[str, ...] = tuple(DEFECT_SHARES)
assert all(code in REJECTION_CODES or code in ADVISORY_CODES for code in DEFECT_CODES)

_ADDRESS_PLACEHOLDERS = (
    "Failed to Provide",
    "FAILED TO PROVIDE",
    "Unknown Address",
    "UNKNOWN ADDRESS",
    "NA NA",
    "N/A",
    "UNKNOWN",
    "NONE",
    "TBD",
    "SAME AS ABOVE",
    "SEE A-FILE",
    "HOMELESS",
)
_NAME_PLACEHOLDERS = ("FNU", "FNU", "FNU", "UNKNOWN")


def draw_defects(rng: np.random.Generator, deficient: np.ndarray) -> np.ndarray:
    """Per request, the index of its defect in ``DEFECT_CODES``, or -1 for a sound request."""
    shares = np.array(list(DEFECT_SHARES.values()))
    out = np.full(len(deficient), -1, dtype=np.int64)
    rows = np.flatnonzero(deficient)
    out[rows] = rng.choice(len(DEFECT_CODES), len(rows), p=shares / shares.sum())
    return out


def _pick(values: tuple[str, ...], rng: np.random.Generator, count: int) -> pa.Array:
    return pa.array(list(values), pa.string()).take(pa.array(rng.integers(0, len(values), count)))


def apply_defects(
    columns: dict[str, pa.Array],
    defect: np.ndarray,
    rng: np.random.Generator,
    *,
    submitted_day: int,
    streets: Streets,
    place: np.ndarray,
    places: Places,
) -> dict[str, pa.Array]:
    """The columns with each deficient request's one defect written in."""
    m = len(defect)
    out = dict(columns)
    null = pa.scalar(None, pa.string())

    def mask(code: str) -> pa.Array:
        return pa.array(defect == DEFECT_CODES.index(code))

    def put(column: str, code: str, values: pa.Array | pa.Scalar) -> None:
        out[column] = pc.if_else(mask(code), values, out[column])

    put("street_address", "ADDRESS_PLACEHOLDER", _pick(_ADDRESS_PLACEHOLDERS, rng, m))
    put("street_address", "ADDRESS_BARE_NUMBER", pc.utf8_slice_codeunits(out["zip"], 0, 5))
    bare_street = pc.binary_join_element_wise(
        streets.names.take(pa.array(places.street[place].astype(np.int64))),
        streets.suffix_abbrev.take(pa.array(places.suffix[place].astype(np.int64))),
        " ",
    )
    put("street_address", "ADDRESS_NO_HOUSE_NUMBER", bare_street)
    for code in ("ADDRESS_PLACEHOLDER", "ADDRESS_BARE_NUMBER", "ADDRESS_NO_HOUSE_NUMBER"):
        put("unit", code, null)

    # Facilities: a jail by name only, or the jail's own street address; its city and ZIP.
    sample = facilities()
    which = pa.array(rng.integers(0, len(sample), m))
    table = {
        "name": pa.array([f.name for f in sample], pa.string()).take(which),
        "address": pa.array([f.address for f in sample], pa.string()).take(which),
        "city": pa.array([f.city for f in sample], pa.string()).take(which),
        "state": pa.array([f.state for f in sample], pa.string()).take(which),
        "zip": pa.array([f.zip for f in sample], pa.string()).take(which),
    }
    put("street_address", "ADDRESS_FACILITY_UNLOCATED", table["name"])
    put("street_address", "ADDRESS_CUSTODY_FACILITY", table["address"])
    for code in ("ADDRESS_FACILITY_UNLOCATED", "ADDRESS_CUSTODY_FACILITY"):
        put("unit", code, null)
        for column in ("city", "state", "zip"):
            put(column, code, table[column])

    recent = pc.cast(
        pa.array((submitted_day - rng.integers(10, 60, m)).astype(np.int32), pa.date32()),
        pa.string(),
    )
    put("removal_order_final_date", "ORDER_NOT_FINAL_90_DAYS", recent)
    put("a_number", "ANUMBER_MISSING", null)
    put("a_number", "ANUMBER_MALFORMED", _malformed_a_numbers(out["a_number"], rng))
    put("first_name", "NAME_PLACEHOLDER", _pick(_NAME_PLACEHOLDERS, rng, m))
    put("middle_name", "NAME_PLACEHOLDER", null)
    return out


def _malformed_a_numbers(values: pa.Array, rng: np.random.Generator) -> pa.Array:
    """Too short (7 digits), too long (10 digits), or a letter O among the digits."""
    digits = pc.utf8_lpad(pc.replace_substring_regex(values, r"^A", ""), 9, "0")
    short = pc.binary_join_element_wise("A", pc.utf8_slice_codeunits(digits, 0, 7), "")
    long = pc.binary_join_element_wise("A", digits, "7", "")
    letter = pc.binary_join_element_wise(
        "A", pc.utf8_slice_codeunits(digits, 0, 4), "O", pc.utf8_slice_codeunits(digits, 5), ""
    )
    kind = rng.integers(0, 3, len(values))
    return pc.if_else(pa.array(kind == 0), short, pc.if_else(pa.array(kind == 1), long, letter))
