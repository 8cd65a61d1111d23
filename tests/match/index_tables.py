"""The index's address tables as the comparisons read them, for tests that build them by hand."""

from __future__ import annotations

import pyarrow as pa

from ivs.match.street_ids import StreetIds


def address_tables(forms: pa.Table, tins: list[str], form_ids: list[int]) -> dict[str, pa.Table]:
    """``forms`` with their street ids, ``streets``, and ``addr``: each (tin, form_id) an
    address of record, with its form's ZIP code."""
    streets = StreetIds()
    street_ids = streets.ids(forms.column("addr_street_name"), forms.column("addr_suffix"))
    zip_of = dict(
        zip(forms.column("form_id").to_pylist(), forms.column("addr_zip5").to_pylist(), strict=True)
    )
    return {
        "forms": forms.append_column("addr_street_id", street_ids),
        "streets": streets.table(),
        "addr": pa.table(
            {
                "tin": tins,
                "form_id": form_ids,
                "addr_zip5": pa.array([zip_of[f] for f in form_ids], pa.string()),
            }
        ),
    }
