"""The master file (formats.md §2): taxpayers, addresses of record, and restrictions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ivs.domain.errors import FormatError, FormatErrors, Problem
from ivs.domain.schema import (
    ADDRESS_COLUMNS,
    ADDRESS_NULLABLE,
    RESTRICTION_COLUMNS,
    RESTRICTION_KINDS,
    RESTRICTION_NULLABLE,
    TAXPAYER_COLUMNS,
    TAXPAYER_NULLABLE,
)
from ivs.formats.tabular import read_typed_table

__all__ = [
    "MasterFiles",
    "MasterTableWriter",
    "locate_master",
    "master_schema",
    "read_master_table",
    "write_master_table",
]

_TABLES = {
    "taxpayers": (TAXPAYER_COLUMNS, frozenset(TAXPAYER_NULLABLE)),
    "addresses": (ADDRESS_COLUMNS, frozenset(ADDRESS_NULLABLE)),
    "restrictions": (RESTRICTION_COLUMNS, frozenset(RESTRICTION_NULLABLE)),
}


@dataclass(frozen=True, slots=True)
class MasterFiles:
    """Where a master snapshot's files are; ``restrictions`` is optional."""

    folder: Path
    taxpayers: Path
    addresses: Path
    restrictions: Path | None

    def paths(self) -> list[Path]:
        return [p for p in (self.taxpayers, self.addresses, self.restrictions) if p is not None]


def _find(folder: Path, stem: str) -> Path | None:
    for suffix in (".parquet", ".csv"):
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def locate_master(folder: Path) -> MasterFiles:
    """The master files in ``folder`` (Parquet preferred, CSV accepted)."""
    if not folder.is_dir():
        raise FormatError(str(folder), "master folder not found")
    taxpayers = _find(folder, "taxpayers")
    addresses = _find(folder, "addresses")
    missing = [n for n, p in (("taxpayers", taxpayers), ("addresses", addresses)) if p is None]
    if missing or taxpayers is None or addresses is None:
        raise FormatError(
            str(folder), f"missing {', '.join(m + '.parquet (or .csv)' for m in missing)}"
        )
    return MasterFiles(folder, taxpayers, addresses, _find(folder, "restrictions"))


def read_master_table(path: Path, kind: str) -> pa.Table:
    """One master table, typed and checked; content rules beyond types are checked here too."""
    columns, nullable = _TABLES[kind]
    table = read_typed_table(path, columns, nullable, name=kind)
    problems: list[Problem] = []
    tin_ok = pc.match_substring_regex(table.column("tin"), r"^\d{9}$")
    if not pc.all(tin_ok).as_py():
        index = pc.index(tin_ok, False).as_py()
        problems.append(Problem(str(path), "must be 9 digits", index + 2, "tin"))
    if kind == "taxpayers":
        kinds_ok = pc.is_in(table.column("tin_type"), pa.array(["SSN", "ITIN"]))
        if not pc.all(kinds_ok).as_py():
            index = pc.index(kinds_ok, False).as_py()
            problems.append(Problem(str(path), "must be SSN or ITIN", index + 2, "tin_type"))
        if pc.count_distinct(table.column("tin")).as_py() != table.num_rows:
            problems.append(
                Problem(str(path), "TINs must be unique: one row per taxpayer", None, "tin")
            )
    if kind == "restrictions":
        kinds_ok = pc.is_in(table.column("kind"), pa.array(list(RESTRICTION_KINDS)))
        if not pc.all(kinds_ok).as_py():
            index = pc.index(kinds_ok, False).as_py()
            problems.append(
                Problem(
                    str(path), f"must be one of {', '.join(RESTRICTION_KINDS)}", index + 2, "kind"
                )
            )
    if problems:
        raise FormatErrors(problems)
    return table


def master_schema(kind: str) -> pa.Schema:
    """The Arrow schema of a master table, from the contract's column types."""
    columns, _ = _TABLES[kind]
    types = {"string": pa.string(), "date": pa.date32(), "int": pa.int64()}
    return pa.schema([(c, types[t]) for c, t in columns.items()])


class MasterTableWriter:
    """Appends chunks of one master table to a Parquet file (zstd), so a master of tens of
    millions of rows need never be whole in memory."""

    def __init__(self, path: Path, kind: str) -> None:
        self.schema = master_schema(kind)
        self.rows = 0
        self._writer = pq.ParquetWriter(path, self.schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        chunk = table.select(self.schema.names).cast(self.schema)
        self._writer.write_table(chunk)
        self.rows += chunk.num_rows

    def __enter__(self) -> MasterTableWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._writer.close()


def write_master_table(path: Path, table: pa.Table, kind: str) -> None:
    """Write a whole master table with the contract's column types."""
    with MasterTableWriter(path, kind) as writer:
        writer.write(table)
