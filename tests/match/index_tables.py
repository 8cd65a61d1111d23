"""The index's address tables as the comparisons read them, for tests that build them by hand."""

from __future__ import annotations

import pyarrow as pa

from ivs.match.street_ids import StreetIds


def address_tables(forms: pa.Table, tins: list[str], form_ids: list[int]) -> dict[str, pa.Table]:
    """``forms`` with their street ids, ``streets``, ``addr``: each (tin, form_id) an address
    of record, with its form's ZIP code, and ``addr_zips``: each (tin, ZIP code) of ``addr``
    once."""
    streets = StreetIds()
    street_ids = streets.ids(forms.column("addr_street_name"), forms.column("addr_suffix"))
    zip_of = dict(
        zip(forms.column("form_id").to_pylist(), forms.column("addr_zip5").to_pylist(), strict=True)
    )
    addr = pa.table(
        {
            "tin": tins,
            "form_id": form_ids,
            "addr_zip5": pa.array([zip_of[f] for f in form_ids], pa.string()),
        }
    )
    zip_codes = addr.column("addr_zip5").to_pylist()
    zips = sorted({(t, z) for t, z in zip(tins, zip_codes, strict=True) if z})
    return {
        "forms": forms.append_column("addr_street_id", street_ids),
        "streets": streets.table(),
        "addr": addr,
        "addr_zips": pa.table(
            {
                "tin": pa.array([t for t, _ in zips], addr.schema.field("tin").type),
                "addr_zip5": pa.array([z for _, z in zips], pa.string()),
            }
        ),
    }
