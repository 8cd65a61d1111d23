"""An index narrowed to a few TINs for steps that pair by TIN alone: their rows, and only the
columns the steps to come name."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ivs.batch.inputs import load_index
from ivs.engines import DuckDBEngine

INDEX = {
    "taxpayers": pa.table(
        {
            "tin": ["111111111", "222222222"],
            "name_last": ["REED", "TRUONG"],
            "name_full": ["B", "M"],
        }
    ),
    "addresses": pa.table(
        {"tin": ["111111111", "222222222"], "form_id": [1, 2], "tax_year": [2023, 2024]}
    ),
    "address_forms": pa.table(
        {"form_id": [1, 2], "addr_line": ["1 MAIN ST", "2 OAK DR"], "addr_zip4": ["0001", None]}
    ),
    "streets": pa.table({"street_id": [1], "addr_street_name": ["MAIN"]}),
    "restrictions": pa.table({"tin": ["111111111"], "kind": ["master_defect"]}),
    "last_known": pa.table({"tin": ["111111111"], "street_address": ["1 MAIN ST"]}),
}


def test_a_narrowed_index_holds_the_tins_asked_and_the_columns_named(tmp_path: Path) -> None:
    for name, table in INDEX.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
    read_by = "SELECT t.name_last, f.addr_line FROM tp t JOIN addr a ON a.tin = t.tin JOIN forms f"
    with DuckDBEngine(threads=1) as engine:
        engine.register("asked", pa.table({"tin": ["222222222"]}))
        load_index(engine, tmp_path, tins="SELECT tin FROM asked", read_by=read_by)
        tp = engine.arrow("SELECT * FROM tp")
        addr = engine.arrow("SELECT * FROM addr")
        forms = engine.arrow("SELECT * FROM forms")
        # Not narrowed: the restrictions and the last known addresses, whole.
        assert engine.arrow("SELECT * FROM restr").num_rows == 1
    assert tp.to_pylist() == [{"tin": "222222222", "name_last": "TRUONG"}]
    assert addr.to_pylist() == [{"tin": "222222222", "form_id": 2}]
    assert forms.to_pylist() == [{"form_id": 2, "addr_line": "2 OAK DR"}]
