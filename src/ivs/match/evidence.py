"""What the decision reads from the matching steps' tables, as engine-neutral SQL, and the
candidate lists the decisions file keeps.

The queries run after ``match_steps`` on the same engine: ``pairs``, ``scored`` and
``request_evidence`` (see ``ivs.match.pipeline``), with ``req``, ``last_known`` and ``base``
(every record of the batch: ``request_id``, ``_row``, ``rejection_code``, ``rejection_codes``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from ivs.domain.schema import ADDRESS_FIELDS
from ivs.match.pipeline import BLOCKING_RULES
from ivs.match.tin_keys import tin_text_sql

__all__ = [
    "CANDIDATE_FIELDS",
    "blocking_recall_sql",
    "candidate_lists",
    "candidates_sql",
    "evidence_sql",
    "named_by_tin_sql",
    "pair_counts_sql",
]

# Per candidate, what the decisions file records (``candidate_list``), in this order.
CANDIDATE_FIELDS = (
    "tin",
    "name_level",
    "address_level",
    "tin_level",
    "dob_level",
    "suffix_level",
    "middle_level",
    "match_weight",
    "match_probability",
    "restricted",
    *(f"by_{rule.name}" for rule in BLOCKING_RULES),
)


def pair_counts_sql() -> str:
    """One row: the pairs each blocking rule found (a column per rule) and ``n``, distinct."""
    counted = ", ".join(
        f"count(*) FILTER (WHERE by_{rule.name}) AS {rule.name}" for rule in BLOCKING_RULES
    )
    # From ``scored``, one row per pair as in ``pairs``, which the run lets go of once compared.
    return f"SELECT {counted}, count(*) AS n FROM scored"


def blocking_recall_sql() -> str:
    """One row: ``n`` TIN-verified pairs whose name and address match, and how many of them
    the other rules ``found`` too.

    A request whose address is not the taxpayer's cannot be found by an address rule, nor be
    disclosed: those pairs are not counted.
    """
    return f"""SELECT count(*) AS n, count(*) FILTER (WHERE {
        " OR ".join(f"by_{r.name}" for r in BLOCKING_RULES if r.name != "tin")
    }) AS found
        FROM scored WHERE by_tin AND tin_level = 0 AND name_ok AND address_ok"""


def named_by_tin_sql() -> str:
    """(request_id, tin): pairs found by the request's TIN whose names match, what the TIN-only
    counterfactual discloses for these requests."""
    return f"""SELECT r.request_id, {tin_text_sql("s.tin")} AS tin
           FROM scored s JOIN req r ON r.request_key = s.request_key
           WHERE s.by_tin AND s.name_ok"""


def evidence_sql(evidence_columns: Sequence[str]) -> str:
    """Every record of ``base``, in the records' order, with its evidence (none for rejected
    records) and the last known address of its best candidate.

    ``evidence_columns`` are ``request_evidence``'s columns."""
    return f"""
        SELECT b.*, {", ".join(f"e.{c}" for c in evidence_columns if c != "request_key")},
               {", ".join(f"lk.{c}" for c in ADDRESS_FIELDS)}
        FROM base b
        LEFT JOIN request_evidence e ON e.request_key = b._row AND b.rejection_code IS NULL
        LEFT JOIN last_known lk ON lk.tin = e.best_tin
        ORDER BY b._row
        """


def candidates_sql() -> str:
    """The candidates considered, best first, as one flat sorted table of ``_row`` and
    CANDIDATE_FIELDS.

    Cut into per-record lists afterwards (:func:`candidate_lists`), which costs far less than
    a list aggregate sorting inside every group. Ties go to the lower TIN, compared as the
    engine holds it, a number: the master's TINs are nine digits (checked as it is read), so
    the order is the text's. Each TIN is written as its nine digits.
    """
    fields = ", ".join(
        tin_text_sql("s.tin") + " AS tin" if c == "tin" else f"s.{c}" for c in CANDIDATE_FIELDS
    )
    return f"""
        SELECT b._row, {fields}
        FROM scored s JOIN base b ON b._row = s.request_key AND b.rejection_code IS NULL
        ORDER BY b._row, s.match_weight DESC, s.tin
        """


def candidate_lists(records: pa.Table, candidates: pa.Table) -> pa.Array:
    """One list of candidates per record (null when none), from rows sorted by ``_row``.

    ``records`` is ordered by ``_row``; ``candidates`` holds ``_row`` and CANDIDATE_FIELDS,
    sorted by ``_row`` and then best first.
    """
    rows = np.asarray(records.column("_row").to_numpy())
    owner = np.searchsorted(rows, np.asarray(candidates.column("_row").to_numpy()))
    counts = np.bincount(owner, minlength=len(rows))
    offsets = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = pa.StructArray.from_arrays(
        [candidates.column(name).combine_chunks() for name in CANDIDATE_FIELDS],
        names=list(CANDIDATE_FIELDS),
    )
    return pa.ListArray.from_arrays(
        pa.array(offsets),
        values,
        type=pa.list_(pa.field("l", values.type)),
        mask=pa.array(counts == 0),
    )
