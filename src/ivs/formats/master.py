"""The master file (formats.md §2): taxpayers, addresses of record, and restrictions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np
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
from ivs.formats.tabular import RowDefect, read_typed_rows

__all__ = [
    "DEFECT_REPORT_SCHEMA",
    "MasterFiles",
    "MasterRows",
    "MasterTableWriter",
    "locate_master",
    "master_schema",
    "read_master_rows",
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


def _flat(mask: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A row mask as one array, null read as false."""
    filled = pc.fill_null(mask, False)
    return filled.combine_chunks() if isinstance(filled, pa.ChunkedArray) else filled


@dataclass(frozen=True, slots=True)
class MasterRows:
    """One master table as read: every row typed (a value that does not convert is null), and
    every defect found, field by field.

    A defect in a required field or in a content rule sets its row aside; one in a nullable
    field (an unparseable ``date_of_birth``) sets aside only the value, which the contract
    allows to be missing.
    """

    path: Path
    kind: str
    table: pa.Table
    defects: tuple[RowDefect, ...]

    @property
    def rows(self) -> int:
        return int(self.table.num_rows)

    def _row_defects(self) -> list[RowDefect]:
        nullable = _TABLES[self.kind][1]
        return [d for d in self.defects if d.field not in nullable]

    def set_aside_mask(self) -> pa.Array:
        """True for each row set aside."""
        mask = pa.array(np.zeros(self.rows, dtype=bool))
        for defect in self._row_defects():
            mask = pc.or_(mask, _flat(defect.rows))
        return mask

    def value_aside_mask(self) -> pa.Array:
        """True for each row kept with a value set aside (a nullable field's defect)."""
        nullable = _TABLES[self.kind][1]
        mask = pa.array(np.zeros(self.rows, dtype=bool))
        for defect in self.defects:
            if defect.field in nullable:
                mask = pc.or_(mask, _flat(defect.rows))
        return pc.and_(mask, pc.invert(self.set_aside_mask()))

    @property
    def set_aside(self) -> int:
        return int(pc.sum(self.set_aside_mask()).as_py() or 0)

    def kept(self) -> pa.Table:
        """The rows not set aside (the table itself, uncopied, when none is)."""
        if not self._row_defects():
            return self.table
        return self.table.filter(pc.invert(self.set_aside_mask()))

    def problems(self) -> list[Problem]:
        """One problem per kind of defect: its field, how many rows, the first row's line."""
        found = []
        for defect in self.defects:
            rows = _flat(defect.rows)
            count = int(pc.sum(rows).as_py() or 0)
            first = pc.index(rows, True).as_py()
            found.append(
                Problem(
                    str(self.path), f"{defect.problem} in {count:,} row(s)", first + 2, defect.field
                )
            )
        return found

    def summary(self, examples: int = 5) -> list[dict[str, object]]:
        """Per kind of defect: file, field, problem, action, how many rows, the first rows."""
        nullable = _TABLES[self.kind][1]
        found: list[dict[str, object]] = []
        for defect in self.defects:
            rows = pc.indices_nonzero(_flat(defect.rows))
            found.append(
                {
                    "file": self.path.name,
                    "field": defect.field,
                    "problem": defect.problem,
                    "action": "value set aside" if defect.field in nullable else "row set aside",
                    "rows": len(rows),
                    "examples": [i + 2 for i in rows[:examples].to_pylist()],
                }
            )
        return found

    def report(self) -> pa.Table:
        """Every defect, one row per defective field of a row: file, row (the line of a CSV
        file; a Parquet file's data row plus one), field, problem, action."""
        nullable = _TABLES[self.kind][1]
        parts = []
        for defect in self.defects:
            rows = pc.indices_nonzero(_flat(defect.rows))
            n = len(rows)
            action = "value set aside" if defect.field in nullable else "row set aside"
            parts.append(
                pa.table(
                    {
                        "file": pa.repeat(self.path.name, n),
                        "row": pc.add(rows.cast(pa.int64()), 2),
                        "field": pa.repeat(defect.field, n),
                        "problem": pa.repeat(defect.problem, n),
                        "action": pa.repeat(action, n),
                    }
                )
            )
        if not parts:
            return DEFECT_REPORT_SCHEMA.empty_table()
        return pa.concat_tables(parts).cast(DEFECT_REPORT_SCHEMA)


DEFECT_REPORT_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("row", pa.int64()),
        ("field", pa.string()),
        ("problem", pa.string()),
        ("action", pa.string()),
    ]
)


def _outside(column: pa.ChunkedArray, allowed: pa.Array) -> pa.ChunkedArray:
    """True where ``column`` holds a value that is not in ``allowed`` (null is not)."""
    return pc.and_(pc.is_valid(column), pc.invert(pc.is_in(column, allowed)))


def _duplicated(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """True where ``column``'s value appears on more than one row."""
    counts = pc.value_counts(pc.drop_null(column))
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    return pc.is_in(column, repeated)


def read_master_rows(path: Path, kind: str) -> MasterRows:
    """One master table with every defective row found (columns, not a loop over rows); only
    what no row can fix (a required column missing, a column of the wrong type, a table of
    taxpayers or addresses without rows) raises ``FormatError``."""
    columns, nullable = _TABLES[kind]
    if kind == "restrictions" and path.stat().st_size == 0:
        return MasterRows(path, kind, master_schema(kind).empty_table(), ())
    table, defects = read_typed_rows(path, columns, nullable)
    if table.num_rows == 0 and kind != "restrictions":
        raise FormatError(str(path), f"the {kind} table has no rows")
    tin = table.column("tin")
    defects.append(
        RowDefect(
            "tin",
            "is not 9 digits",
            pc.and_(pc.is_valid(tin), pc.invert(pc.match_substring_regex(tin, r"^\d{9}$"))),
        )
    )
    if kind == "taxpayers":
        defects.append(
            RowDefect(
                "tin_type",
                "is not SSN or ITIN",
                _outside(table.column("tin_type"), pa.array(["SSN", "ITIN"])),
            )
        )
        defects.append(
            RowDefect(
                "tin",
                "appears on more than one row (TINs are unique: one row per taxpayer)",
                _duplicated(tin),
            )
        )
    if kind == "restrictions":
        defects.append(
            RowDefect(
                "kind",
                f"is not one of {', '.join(RESTRICTION_KINDS)}",
                _outside(table.column("kind"), pa.array(list(RESTRICTION_KINDS))),
            )
        )
    found = tuple(d for d in defects if pc.any(_flat(d.rows)).as_py())
    return MasterRows(path, kind, table, found)


def read_master_table(path: Path, kind: str) -> pa.Table:
    """One master table, typed; any defect at all raises ``FormatErrors`` naming each kind
    of defect with its first row (``read_master_rows`` sets defective rows aside instead)."""
    rows = read_master_rows(path, kind)
    if rows.defects:
        raise FormatErrors(rows.problems())
    return rows.table


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
