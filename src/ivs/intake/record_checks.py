"""Record checks: each request record either states a lawful request or is REJECTED with a code.

Pure functions over Arrow columns. Inputs are the records as read (strings, nulls for empty)
and the standardized columns (``name_defect``, ``addr_defect``, ``addr_state``, ``addr_zip5``);
the output names every code a record earns, the primary one first, and the normalized TIN,
date of birth and A-number that matching uses. A TIN never excuses a deficient address: the
checks are independent and any one of them rejects the record.

An unusable optional field (TIN, date of birth, middle name, suffix) never rejects: it earns an
advisory (``ADVISORY_ORDER``) and is set aside, so matching sees it as missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ivs.domain.codes import ADVISORY_CODES, REJECTION_CODES
from ivs.domain.ids import IDENTIFIER_PATTERN
from ivs.domain.pilot import PilotJurisdiction
from ivs.domain.schema import RECORD_COLUMNS
from ivs.standardize.name_text import normalize_suffix

__all__ = [
    "ADVISORY_ORDER",
    "PRECEDENCE",
    "RecordChecks",
    "RecordContext",
    "check_records",
    "record_verdicts",
]

MAX_FIELD_LENGTH = 1000
MIN_AGE_YEARS = 14
MAX_AGE_YEARS = 120

# The primary code of a record with several defects: identity of the request first, then the
# statutory elements in the order 6103(i)(2)(B) lists them, then the program's own rules.
PRECEDENCE: tuple[str, ...] = (
    "REQUEST_ID_MISSING",
    "REQUEST_ID_INVALID",
    "REQUEST_DUPLICATE_ID",
    "REQUEST_FIELD_TOO_LONG",
    *(c for c in REJECTION_CODES if c.startswith(("NAME_", "ADDRESS_"))),
    *(c for c in REJECTION_CODES if c.startswith(("ORDER_", "ANUMBER_"))),
    "REQUEST_DUPLICATE_ANUMBER",
    "REQUEST_NO_REASON",
    "REQUEST_BOILERPLATE_REASON",
    "REQUEST_OUT_OF_PILOT",
)

# The order in which a record's advisories are listed.
ADVISORY_ORDER: tuple[str, ...] = tuple(ADVISORY_CODES)


@dataclass(frozen=True, slots=True)
class RecordContext:
    """What the record checks need to know about the batch and the policy in force."""

    submitted_on: date
    reason_policy: str = "per_record"
    manifest_reason: str | None = None
    min_order_age_days: int = 90
    reject_custody_facility: bool = True
    pilot: Sequence[PilotJurisdiction] | None = None


_NULL_STR = pa.scalar(None, pa.string())


def _strip(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    return pc.utf8_upper(pc.utf8_trim_whitespace(column))


def _parse_dates(column: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(date32 or null, invalid mask) for a column of YYYY-MM-DD strings.

    A batch holds a few thousand distinct dates, so each is parsed once and spread back.
    """
    encoded = pc.dictionary_encode(_flat(column))
    text = pc.utf8_trim_whitespace(encoded.dictionary)
    shaped = pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$")
    candidate = pc.if_else(shaped, text, _NULL_STR)
    parsed = pc.strptime(candidate, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2024-02-30 over to March; a date must print back as it was written.
    round_trip = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), candidate)
    as_date = pc.if_else(pc.fill_null(round_trip, False), pc.cast(parsed, pa.date32()), None)
    # Every distinct value is present (nulls stay out of the dictionary, and their rows'
    # indices are null: no date, and not invalid).
    invalid = pc.is_null(as_date)
    return as_date.take(encoded.indices), pc.fill_null(invalid.take(encoded.indices), False)


def _all_read_alike(column: pa.ChunkedArray) -> bool:
    """Whether every value of a column reads the same, trimmed and upper-cased (nulls aside).

    The first few values usually settle it (reasons differ from the start), so the whole
    column is normalized only when they all read alike.
    """

    def distinct(values: pa.Array | pa.ChunkedArray) -> int:
        return int(pc.count_distinct(pc.utf8_upper(pc.utf8_trim_whitespace(values))).as_py())

    return distinct(column.slice(0, 64)) <= 1 and distinct(column) <= 1


def _longest_bytes(column: pa.ChunkedArray) -> int:
    longest = pc.max(pc.binary_length(column)).as_py()
    return int(longest or 0)


def _duplicated(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """True where the (non-null) value occurs more than once in the column.

    Sorting brings equal values together, and a value is a duplicate when a neighbour in
    that order equals it (cheaper than hashing a column of mostly distinct strings).
    """
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    n = len(array)
    if n < 2:
        return pa.array(np.zeros(n, dtype=bool))
    order = pc.sort_indices(array)  # nulls last
    ordered = array.take(order)
    same_as_next = np.asarray(
        pc.fill_null(pc.equal(ordered.slice(0, n - 1), ordered.slice(1)), False).to_numpy(
            zero_copy_only=False
        ),
        dtype=bool,
    )
    duplicate_in_order = np.zeros(n, dtype=bool)
    duplicate_in_order[:-1] |= same_as_next
    duplicate_in_order[1:] |= same_as_next
    duplicate = np.empty(n, dtype=bool)
    duplicate[order.to_numpy(zero_copy_only=False)] = duplicate_in_order
    return pa.array(duplicate)


def _flat(mask: pa.ChunkedArray | pa.Array) -> pa.Array:
    # Mixing chunked and plain arrays in one element-wise call misaligns them; flatten first.
    return mask.combine_chunks() if isinstance(mask, pa.ChunkedArray) else mask


def _normalize_tin(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.replace_substring_regex(pc.utf8_trim_whitespace(column), r"[\s-]", "")


def _tin_impossible(tin: pa.ChunkedArray) -> pa.ChunkedArray:
    """For 9-digit TINs: true when no SSN or ITIN can have that number."""
    area = pc.utf8_slice_codeunits(tin, 0, 3)
    group = pc.utf8_slice_codeunits(tin, 3, 5)
    serial = pc.utf8_slice_codeunits(tin, 5, 9)
    is_itin_range = pc.starts_with(tin, "9")
    itin_ok = pc.match_substring_regex(group, r"^(5\d|6[0-5]|7\d|8[0-8]|9[0-2]|9[4-9])$")
    ssn_bad = pc.or_(
        pc.or_(pc.equal(area, "000"), pc.equal(area, "666")),
        pc.or_(pc.equal(group, "00"), pc.equal(serial, "0000")),
    )
    return pc.if_else(is_itin_range, pc.invert(itin_ok), ssn_bad)


def _suffix_unusable(column: pa.ChunkedArray) -> pa.Array:
    """True where a suffix is given that names no suffix (judged once per distinct value)."""
    encoded = pc.dictionary_encode(_flat(column))
    values = encoded.dictionary.to_pylist()
    unusable = pa.array(
        [bool(v and v.strip()) and normalize_suffix(v) is None for v in values], pa.bool_()
    )
    return pc.fill_null(unusable.take(encoded.indices), False)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _code_columns(
    masks: Sequence[pa.ChunkedArray | pa.Array], order: Sequence[str] = PRECEDENCE
) -> tuple[pa.Array, pa.Array]:
    """The primary code (first in ``order``) and all codes ';'-joined, null when none.

    Each record's codes are one bit each in an integer; records that earn the same set of
    codes share one primary code and one joined string, built once per set.
    """
    if len(masks) > 63:
        raise ValueError("record codes are packed into 63 bits; there are more codes than that")
    n = len(masks[0]) if masks else 0
    bits = np.zeros(n, dtype=np.int64)
    for position, mask in enumerate(masks):
        flag = np.asarray(pc.fill_null(_flat(mask), False).to_numpy(zero_copy_only=False))
        bits |= flag.astype(np.int64) << position
    flagged = bits != 0
    sets, which = np.unique(bits[flagged], return_inverse=True)
    names = [[code for position, code in enumerate(order) if int(s) >> position & 1] for s in sets]
    slot = np.full(n, -1, dtype=np.int64)
    slot[flagged] = which.reshape(-1)
    taken = pa.array(slot, mask=~flagged)
    primary = pa.array([codes[0] for codes in names], pa.string()).take(taken)
    every = pa.array([";".join(codes) for codes in names], pa.string()).take(taken)
    return primary, every


@dataclass(frozen=True, slots=True)
class RecordChecks:
    """The checks that read only the records as written, and the values they normalize.

    Independent of standardization, so they can be computed while it runs (in another
    process: every field is an Arrow array, cheap to send).
    """

    masks: dict[str, pa.Array | pa.ChunkedArray]
    advisories: dict[str, pa.Array | pa.ChunkedArray]
    tin_norm: pa.Array | pa.ChunkedArray
    dob: pa.Array | pa.ChunkedArray
    # A date of birth set aside as implausible (a child's, or older than anyone living): no
    # evidence for a candidate, but a candidate born on another day is not this person.
    dob_aside: pa.Array | pa.ChunkedArray
    a_number_norm: pa.Array | pa.ChunkedArray


def check_records(records: pa.Table, ctx: RecordContext) -> RecordChecks:
    """Every check of :func:`record_verdicts` but the name, address and pilot ones."""
    n = records.num_rows
    masks: dict[str, pa.ChunkedArray | pa.Array] = {}
    advisories: dict[str, pa.ChunkedArray | pa.Array] = {}

    def col(name: str) -> pa.ChunkedArray:
        return records.column(name)

    # --- identity of the request -----------------------------------------------------------
    request_id = col("request_id")
    masks["REQUEST_ID_MISSING"] = pc.is_null(request_id)
    # The one identifier pattern (ivs.domain.ids): a request id goes into the store, the
    # ledger and the response file, and must not start like a spreadsheet formula.
    masks["REQUEST_ID_INVALID"] = pc.invert(
        pc.fill_null(pc.match_substring_regex(request_id, f"^{IDENTIFIER_PATTERN}$"), True)
    )
    masks["REQUEST_DUPLICATE_ID"] = _duplicated(request_id)
    too_long = pa.array([False] * n, pa.bool_())
    for name in RECORD_COLUMNS:
        # A value of at most MAX_FIELD_LENGTH bytes has at most as many characters.
        if name in records.column_names and _longest_bytes(col(name)) > MAX_FIELD_LENGTH:
            too_long = pc.or_(
                too_long,
                pc.fill_null(pc.greater(pc.utf8_length(col(name)), MAX_FIELD_LENGTH), False),
            )
    masks["REQUEST_FIELD_TOO_LONG"] = too_long

    # --- the removal order -----------------------------------------------------------------
    order_date, order_invalid = _parse_dates(col("removal_order_final_date"))
    submitted = pa.scalar(ctx.submitted_on, pa.date32())
    latest_final = pa.scalar(ctx.submitted_on - timedelta(days=ctx.min_order_age_days), pa.date32())
    masks["ORDER_DATE_MISSING"] = pc.is_null(col("removal_order_final_date"))
    masks["ORDER_DATE_INVALID"] = order_invalid
    masks["ORDER_DATE_FUTURE"] = pc.fill_null(pc.greater(order_date, submitted), False)
    masks["ORDER_NOT_FINAL_90_DAYS"] = pc.fill_null(
        pc.and_(pc.less_equal(order_date, submitted), pc.greater(order_date, latest_final)), False
    )

    # --- A-number ---------------------------------------------------------------------------
    a_number = pc.replace_substring_regex(_strip(col("a_number")), r"[\s-]", "")
    a_ok = pc.match_substring_regex(a_number, r"^A?\d{8,9}$")
    masks["ANUMBER_MISSING"] = pc.is_null(a_number)
    masks["ANUMBER_MALFORMED"] = pc.and_(
        pc.is_valid(a_number), pc.invert(pc.fill_null(a_ok, False))
    )
    digits = pc.utf8_lpad(pc.replace_substring_regex(a_number, r"^A", ""), 9, "0")
    a_number_norm = pc.if_else(
        pc.fill_null(a_ok, False), pc.binary_join_element_wise("A", digits, ""), _NULL_STR
    )
    masks["REQUEST_DUPLICATE_ANUMBER"] = _duplicated(a_number_norm)

    # --- TIN (optional) ---------------------------------------------------------------------
    tin = _normalize_tin(col("tin"))
    tin_shaped = pc.fill_null(pc.match_substring_regex(tin, r"^\d{9}$"), False)
    advisories["TIN_MALFORMED"] = pc.and_(pc.is_valid(tin), pc.invert(tin_shaped))
    impossible = pc.fill_null(pc.and_(tin_shaped, _tin_impossible(tin)), False)
    advisories["TIN_IMPOSSIBLE"] = impossible
    tin_norm = pc.if_else(pc.and_(tin_shaped, pc.invert(impossible)), tin, _NULL_STR)

    # --- date of birth (optional) -----------------------------------------------------------
    dob, dob_invalid = _parse_dates(col("date_of_birth"))
    youngest = pa.scalar(_years_before(ctx.submitted_on, MIN_AGE_YEARS), pa.date32())
    oldest = pa.scalar(_years_before(ctx.submitted_on, MAX_AGE_YEARS), pa.date32())
    advisories["DOB_INVALID"] = dob_invalid
    advisories["DOB_FUTURE"] = pc.fill_null(pc.greater(dob, submitted), False)
    advisories["DOB_IMPLAUSIBLE"] = pc.fill_null(
        pc.and_(
            pc.less_equal(dob, submitted), pc.or_(pc.greater(dob, youngest), pc.less(dob, oldest))
        ),
        False,
    )
    # A date set aside is no evidence for a match: matching sees it as missing. An implausible
    # one is still a real day, kept apart to tell a candidate born on another day apart (two
    # sisters of one name at one address, the request's date a child's).
    no_date = pa.scalar(None, pa.date32())
    dob_aside = pc.if_else(advisories["DOB_IMPLAUSIBLE"], dob, no_date)
    dob = pc.if_else(pc.or_(advisories["DOB_FUTURE"], advisories["DOB_IMPLAUSIBLE"]), no_date, dob)

    # --- middle name and suffix (optional) -----------------------------------------------
    middle = pc.utf8_trim_whitespace(col("middle_name"))
    advisories["NAME_MIDDLE_UNUSABLE"] = pc.fill_null(
        pc.and_(
            pc.greater(pc.utf8_length(middle), 0),
            pc.invert(pc.match_substring_regex(middle, r"\pL")),
        ),
        False,
    )
    advisories["NAME_SUFFIX_UNUSABLE"] = _suffix_unusable(col("name_suffix"))

    # --- the specific reason (6103(i)(2)(B)(iv)) ---------------------------------------------
    reason = col("reason")
    if ctx.reason_policy == "per_record":
        masks["REQUEST_NO_REASON"] = pc.is_null(reason)
        boilerplate = n > 1 and reason.null_count == 0 and _all_read_alike(reason)
        masks["REQUEST_BOILERPLATE_REASON"] = pa.array([boilerplate] * n, pa.bool_())
    else:
        no_reason = ctx.manifest_reason is None
        masks["REQUEST_NO_REASON"] = pc.and_(
            pc.is_null(reason), pa.array([no_reason] * n, pa.bool_())
        )
        masks["REQUEST_BOILERPLATE_REASON"] = pa.array([False] * n, pa.bool_())

    return RecordChecks(
        masks,
        advisories,
        tin_norm=tin_norm,
        dob=dob,
        dob_aside=dob_aside,
        a_number_norm=a_number_norm,
    )


def record_verdicts(
    records: pa.Table,
    standardized: pa.Table,
    ctx: RecordContext,
    checks: RecordChecks | None = None,
) -> pa.Table:
    """Per record: ``rejection_code`` (primary or null), ``rejection_codes`` (all, ';'-joined),
    ``advisories`` (the optional fields set aside, ';'-joined in ``ADVISORY_ORDER``, null when
    none) and the normalized ``tin_norm``, ``dob``, ``a_number_norm`` for matching.

    ``records`` and ``standardized`` are row-aligned; ``checks`` are those of
    :func:`check_records` on the same records and context, when already computed.
    """
    n = records.num_rows
    checks = checks or check_records(records, ctx)
    masks = dict(checks.masks)

    # --- name and address (classified by standardization) ----------------------------------
    for column in ("name_defect", "addr_defect"):
        defect = standardized.column(column)
        for code in REJECTION_CODES:
            if code.startswith("NAME_" if column == "name_defect" else "ADDRESS_"):
                masks[code] = pc.fill_null(pc.equal(defect, code), False)
    if not ctx.reject_custody_facility:
        masks["ADDRESS_CUSTODY_FACILITY"] = pa.array([False] * n, pa.bool_())

    # --- pilot jurisdictions ----------------------------------------------------------------
    if ctx.pilot is None:
        masks["REQUEST_OUT_OF_PILOT"] = pa.array([False] * n, pa.bool_())
    else:
        state = standardized.column("addr_state")
        zip3 = pc.utf8_slice_codeunits(standardized.column("addr_zip5"), 0, 3)
        inside = pa.array([False] * n, pa.bool_())
        for place in ctx.pilot:
            here = pc.equal(state, place.state)
            if place.zip3 is not None:
                here = pc.and_(here, pc.equal(zip3, place.zip3))
            inside = pc.or_(inside, pc.fill_null(here, False))
        # A record whose address already failed is rejected for that; pilot applies to the rest.
        masks["REQUEST_OUT_OF_PILOT"] = pc.and_(
            pc.invert(inside), pc.is_null(standardized.column("addr_defect"))
        )

    primary, every = _code_columns([masks[code] for code in PRECEDENCE])
    _, advised = _code_columns([checks.advisories[code] for code in ADVISORY_ORDER], ADVISORY_ORDER)
    return pa.table(
        {
            "request_id": records.column("request_id"),
            "_row": records.column("_row"),
            "rejection_code": primary,
            "rejection_codes": every,
            "advisories": advised,
            "tin_norm": checks.tin_norm,
            "dob": checks.dob,
            "dob_aside": checks.dob_aside,
            "a_number_norm": checks.a_number_norm,
        }
    )
