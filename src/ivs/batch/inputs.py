"""The tables every matching pass starts from: a batch's accepted requests and the index."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ivs.batch.index_step import IndexInfo
from ivs.batch.intake_step import IntakeOutcome
from ivs.domain.engine import Engine, SqlStep, sql_names
from ivs.formats.tabular import ROW_COLUMN
from ivs.match.name_columns import MATCH_COLUMNS, WordIds, name_match_columns
from ivs.match.tin_keys import tin_keys

__all__ = ["load_index", "load_inputs", "requests_table"]

_REQUEST_COLUMNS = (
    "request_id",
    "name_last",
    "name_first",
    "name_middle",
    "name_suffix",
    "name_phonetic",
    "name_first_initial",
    "addr_house_number",
    "addr_street_name",
    "addr_suffix",
    "addr_predir",
    "addr_postdir",
    "addr_line",
    "addr_unit_id",
    "addr_po_box",
    "addr_route",
    "addr_city",
    "addr_state",
    "addr_zip5",
)


def requests_table(intake: IntakeOutcome, name_words: Path) -> pa.Table:
    """Every request, keyed by its row (``request_key``), with its name ids given by the
    index's ``name_words`` file (made in intake where it made them on that file's ids), its
    TIN as an integer (``tin_norm``, as the index holds TINs) and whether intake ``accepted``
    it."""
    columns = {c: intake.standardized.column(c) for c in _REQUEST_COLUMNS if c != "request_id"}
    columns["request_id"] = intake.records.column("request_id")
    columns["request_key"] = intake.records.column(ROW_COLUMN)
    # As the index holds TINs: a TIN that is not nine digits is no taxpayer's.
    columns["tin_norm"] = tin_keys(intake.verdicts.column("tin_norm"))
    for name in ("dob", "dob_aside"):
        columns[name] = intake.verdicts.column(name)
    if intake.name_ids_from == name_words:
        columns.update({c: intake.standardized.column(c) for c in MATCH_COLUMNS})
    else:
        words = WordIds.read(name_words)
        columns.update(name_match_columns(intake.standardized, words))
    columns["accepted"] = pc.is_null(intake.verdicts.column("rejection_code"))
    return pa.table(columns)


_INDEX_TABLES = (
    ("tp", "taxpayers"),
    ("forms", "address_forms"),
    ("streets", "streets"),
    ("addr", "addresses"),
    ("restr", "restrictions"),
    ("last_known", "last_known"),
)


def load_index(
    engine: Engine, folder: Path, *, tins: str | None = None, read_by: str | None = None
) -> None:
    """The index tables in ``folder``, under the names the match steps use.

    ``tins`` (a query of one column of TINs, over tables already in the engine) narrows the
    taxpayers and their addresses to those TINs, for steps that pair by TIN alone; given
    ``read_by`` (the SQL to be run on them), only the columns it names are kept.
    """
    narrowed = {"tp", "addr", "forms"} if tins is not None else set()
    for name, source in _INDEX_TABLES:
        engine.load_parquet(
            f"index_{name}" if name in narrowed else name, folder / f"{source}.parquet"
        )
    if tins is not None:

        def named(table: str, *keys: str) -> str:
            # Copying the columns no query reads cost half the narrowing (the taxpayers' 13
            # unread name columns, lists among them: 2.8 of 5.4 s at 10 M taxpayers).
            if read_by is None:
                return "*"
            columns = engine.arrow(f"SELECT * FROM index_{table} LIMIT 0").column_names
            return ", ".join(c for c in columns if c in keys or sql_names(read_by, c))

        engine.run(
            [
                SqlStep("tp", f"SELECT {named('tp', 'tin')} FROM index_tp WHERE tin IN ({tins})"),
                SqlStep(
                    "addr",
                    f"SELECT {named('addr', 'tin', 'form_id')} FROM index_addr "
                    "WHERE tin IN (SELECT tin FROM tp)",
                ),
                SqlStep(
                    "forms",
                    f"SELECT {named('forms', 'form_id')} FROM index_forms "
                    "WHERE form_id IN (SELECT form_id FROM addr)",
                ),
            ]
        )


def load_inputs(
    engine: Engine, intake: IntakeOutcome, index: IndexInfo, *, narrowed_for: str | None = None
) -> None:
    """The accepted requests and the index tables, under the names the match steps use.

    ``narrowed_for`` (the SQL to be run, for steps that pair by TIN alone) narrows the taxpayers
    and their addresses to the TINs the requests give, and to the columns it names: a few
    thousand requests then cost a scan of the index, not one per step (the TIN-only
    counterfactual beside a run's ledger commit).
    """
    # Filtered as the engine copies them in: cheaper than filtering the Arrow table first.
    engine.register("req", requests_table(intake, index.path("name_words")), where="accepted")
    if narrowed_for is None:
        load_index(engine, index.folder)
    else:
        load_index(engine, index.folder, tins="SELECT tin_norm FROM req", read_by=narrowed_for)
