"""The master index: the master file standardized once per snapshot, reused by every batch.

Layout under ``$IVS_HOME/index/<fingerprint>/``:

- ``taxpayers.parquet``   tin, tin_type, date_of_birth, the standardized name columns and
  what the name comparisons read of them (match/name_columns.py: masks, ids, texts)
- ``name_words.parquet``  every name token and key of the taxpayers with its id (word, id)
- ``address_forms.parquet`` one row per distinct address as filed, with standardized columns
  and ``addr_street_id``, the id of its (street name, suffix) in ``streets.parquet``
- ``streets.parquet``     street_id, addr_street_name, addr_suffix: every street of the forms
- ``addresses.parquet``   tin, tax_year, received_date, form_id (an address of record) and the
  form's ``addr_zip5``, which is all the comparisons read of an address far from the request's
- ``last_known.parquet``  tin and the last known address as filed (formats.md §2)
- ``restrictions.parquet`` the 6103(i)(6) restrictions (possibly empty), and the taxpayers
  withheld because an address row of theirs was set aside (kind ``master_defect``)
- ``index.json``          the fingerprint of the master files, counts, what was set aside
- ``defects.csv``         every defect of the master, one line per field of a row: file, row,
  field, problem, action (``master_hygiene.py``)

In the taxpayers, addresses of record and restrictions, ``tin`` is the integer of the TIN's
nine digits (match/tin_keys.py); in the last known addresses it is the TIN as filed.

The fingerprint hashes the master files' bytes, so an index is rebuilt whenever they change.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ivs import __version__
from ivs.batch.master_hygiene import (
    defects_found,
    sort_addresses,
    sort_taxpayers,
    withheld_beyond_zip_sql,
    withheld_restrictions,
    withheld_sql,
)
from ivs.domain.engine import Compression, SqlStep
from ivs.domain.errors import IvsError
from ivs.domain.schema import ADDRESS_FIELDS
from ivs.domain.settings import Settings
from ivs.engines.base import DUCKDB, EngineChoice
from ivs.formats.manifest import file_sha256
from ivs.formats.master import (
    MasterFiles,
    locate_master,
    master_schema,
    read_master_rows,
    read_master_table,
)
from ivs.match.comparisons import functions_for
from ivs.match.name_columns import WordIds, name_match_columns
from ivs.match.street_ids import StreetIds
from ivs.match.tin_keys import tin_keys, tin_text_sql, with_tin_keys
from ivs.standardize.address import standardize_addresses
from ivs.standardize.name import standardize_names

__all__ = [
    "IndexInfo",
    "build_index",
    "built_index",
    "ensure_index",
    "fingerprint_beside",
    "master_fingerprint",
]

# 6: restrictions typed when the master has none, defects set aside, taxpayers withheld;
# the blocking key table keyed by the first given name's id. 7: house numbers read back from a
# number mark or OCR letters (Nº 12, S4884), a colon or bar between letters of a name read as I.
# 8: no surname-sound blocking table. 9: street ids on the address forms, and their streets.
# 10: the addresses of record carry their ZIP code. 11: G, B and a bar read back in house
# numbers (G117, |1614). 12: the tables every batch reads compressed with LZ4, not zstd.
# 13: no pound sign left in a street when the last one's id is unusable. 14: TINs as integers
# in the taxpayers, addresses of record and restrictions. 15: a street name with a suffix,
# highway or unit word in it read whole (SALT LAKE CITY WAY, where the tagger took a place).
# 16: no place name dropped before a street's suffix (515 1/2 SAN PEDRO ST had lost its street).
INDEX_VERSION = 16
# The taxpayers, address forms and addresses of record are read by most match steps of every
# batch: LZ4 decompresses several times faster than zstd. A 1.28 M-request run at 10 M
# taxpayers took 4-6 CPU seconds fewer (of 130-140), for files 30 % larger (1.53 GB against
# 1.18 GB). What is read once per disclosure (last known addresses) stays zstd.
HOT_COMPRESSION: Compression = "lz4"
# Rows standardized at a time while the index is built.
STANDARDIZE_SLICE = 1_000_000
Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """A built index: where it is and what it was built from."""

    folder: Path
    fingerprint: str
    taxpayers: int
    addresses: int
    address_forms: int
    restrictions: int
    seconds: float
    # What the master's hygiene set aside (master_hygiene.py): rows of each table, taxpayers
    # withheld, and per kind of defect its count and first rows.
    set_aside: dict[str, int] = field(default_factory=dict)
    defects: list[dict[str, object]] = field(default_factory=list)

    @property
    def defects_report(self) -> Path:
        return self.folder / "defects.csv"

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.parquet"


def master_fingerprint(files: MasterFiles) -> str:
    """SHA-256 over the master files' names and contents, and the index layout version."""
    digest = hashlib.sha256(f"ivs-index/{INDEX_VERSION}/{__version__}".encode())
    for path in files.paths():
        digest.update(path.name.encode() + b"\0" + file_sha256(path).encode())
    return digest.hexdigest()


def fingerprint_beside(master: Path) -> Future[str]:
    """The master's fingerprint, hashed on a thread of its own from now (0.6 s for a master of
    10 M taxpayers): a batch's run begins it before intake, which leaves a core free while it
    reads the records. Any error reading the master is raised again by ``ensure_index``. The
    thread only reads and hashes the master's files, which intake's forked workers never touch,
    so it may still be running when they fork."""
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ivs-fingerprint")
    try:
        return hashing.submit(lambda: master_fingerprint(locate_master(master)))
    finally:
        hashing.shutdown(wait=False)


def _read_info(folder: Path) -> IndexInfo | None:
    meta = folder / "index.json"
    if not meta.is_file():
        return None
    data = json.loads(meta.read_text(encoding="utf-8"))
    return IndexInfo(
        folder=folder,
        **{
            k: data[k]
            for k in (
                "fingerprint",
                "taxpayers",
                "addresses",
                "address_forms",
                "restrictions",
                "seconds",
            )
        },
        set_aside=data.get("set_aside", {}),
        defects=data.get("defects", []),
    )


def built_index(settings: Settings, fingerprinted: Future[str]) -> IndexInfo | None:
    """The index of the master ``fingerprinted`` hashes, if it is already built; None if not,
    or if the master could not be hashed (``ensure_index`` raises that error again)."""
    try:
        fingerprint = fingerprinted.result()
    except (IvsError, OSError):
        return None
    return _index_of(settings, fingerprint)


def _index_of(settings: Settings, fingerprint: str) -> IndexInfo | None:
    """The built index of the master files ``fingerprint`` hashes, if there is one."""
    existing = _read_info(Path(settings.home) / "index" / fingerprint[:24])
    return existing if existing is not None and existing.fingerprint == fingerprint else None


def ensure_index(
    master: Path,
    settings: Settings,
    *,
    step: Step | None = None,
    engine_choice: EngineChoice = DUCKDB,
    fingerprinted: Future[str] | None = None,
) -> IndexInfo:
    """The index of ``master``, built now if it is missing or the master files changed.

    ``fingerprinted``: the master's :func:`fingerprint_beside`, begun earlier."""
    files = locate_master(master)
    (step or (lambda _s: None))("fingerprinting master files")
    fingerprint = fingerprinted.result() if fingerprinted else master_fingerprint(files)
    existing = _index_of(settings, fingerprint)
    if existing is not None:
        return existing
    return build_index(
        master, settings, step=step, fingerprint=fingerprint, engine_choice=engine_choice
    )


def build_index(
    master: Path,
    settings: Settings,
    *,
    step: Step | None = None,
    fingerprint: str | None = None,
    engine_choice: EngineChoice = DUCKDB,
) -> IndexInfo:
    """Standardize the master file and write the index; replaces an index of the same files."""
    announce = step or (lambda _s: None)
    started = time.perf_counter()
    files = locate_master(master)
    fingerprint = fingerprint or master_fingerprint(files)
    final = Path(settings.home) / "index" / fingerprint[:24]
    work = final.with_name(final.name + ".building")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    announce("reading taxpayers")
    restrictions = (
        read_master_table(files.restrictions, "restrictions")
        if files.restrictions is not None
        else master_schema("restrictions").empty_table()
    )
    taxpayer_rows = read_master_rows(files.taxpayers, "taxpayers")
    taxpayers = sort_taxpayers(taxpayer_rows, settings.master_defect_rate)
    taxpayer_report, summary = defects_found(taxpayer_rows)
    set_aside = {"taxpayers": taxpayer_rows.set_aside}
    taxpayers_aside = taxpayer_rows.table.filter(taxpayer_rows.set_aside_mask())
    values_aside = taxpayer_rows.table.filter(taxpayer_rows.value_aside_mask()).select(["tin"])
    del taxpayer_rows
    ghost_names = pa.table(
        {
            "tin": taxpayers_aside.column("tin"),
            "name_phonetic": standardize_names(
                taxpayers_aside.select(["last_name", "first_name", "middle_name", "name_suffix"])
            ).column("name_phonetic"),
        }
    )
    announce(f"standardizing {taxpayers.num_rows:,} taxpayer names")
    words = WordIds()
    writer: pq.ParquetWriter | None = None
    # A slice at a time, written as it is done: the standardizer's working memory follows the
    # slice, not the master (10 M names at once peaked near 6 GiB).
    for start in range(0, max(taxpayers.num_rows, 1), STANDARDIZE_SLICE):
        part = taxpayers.slice(start, STANDARDIZE_SLICE)
        names = standardize_names(
            part.select(["last_name", "first_name", "middle_name", "name_suffix"])
        )
        columns = {"tin": tin_keys(part.column("tin"))}
        columns.update({c: part.column(c) for c in ("tin_type", "date_of_birth")})
        columns.update({c: names.column(c) for c in names.column_names})
        columns.update(name_match_columns(names, words))
        table = pa.table(columns)
        if writer is None:
            writer = pq.ParquetWriter(
                work / "taxpayers.parquet", table.schema, compression=HOT_COMPRESSION
            )
        writer.write_table(table.cast(writer.schema))
        del names, columns, table
    if writer is not None:
        writer.close()
    pq.write_table(words.table(), work / "name_words.parquet")
    # Whatever the engine reads from here on is in the engine or in the index's files: a table
    # kept in Python beside the engine's copy of it doubled the peak (13.3 GiB at 10 M).
    taxpayer_count = taxpayers.num_rows
    del taxpayers, words

    announce("reading addresses of record")
    address_rows = read_master_rows(files.addresses, "addresses")
    sorted_addresses = sort_addresses(address_rows, taxpayers_aside, settings.master_defect_rate)
    address_report, address_summary = defects_found(address_rows)
    pacsv.write_csv(pa.concat_tables([taxpayer_report, address_report]), work / "defects.csv")
    summary += address_summary
    set_aside["addresses"] = address_rows.set_aside
    del address_rows, taxpayer_report, address_report

    with engine_choice.open() as engine:
        unnest = functions_for(engine.dialect)["unnest"]
        engine.register("raw_addresses", sorted_addresses.addresses)
        ghost_places = sorted_addresses.ghost_places
        del sorted_addresses
        announce("finding distinct address forms")
        # Form ids numbered in address order, so that every engine numbers them alike: each
        # ZIP code's forms follow the forms of the ZIP codes before it (a global row number
        # would sort every form in one place; this sorts within ZIP codes).
        form_keys = SqlStep(
            "form_keys",
            """
            WITH f AS (SELECT DISTINCT street_address, unit, city, state, zip FROM raw_addresses),
            per_zip AS (SELECT zip, count(*) AS n FROM f GROUP BY zip),
            first_ids AS (SELECT zip, sum(n) OVER (ORDER BY zip) - n AS first_id FROM per_zip)
            SELECT CAST(z.first_id + row_number() OVER (
                       PARTITION BY f.zip
                       ORDER BY f.street_address, f.unit NULLS FIRST, f.city, f.state) - 1
                     AS BIGINT) AS form_id,
                   f.street_address, f.unit, f.city, f.state, f.zip
            FROM f JOIN first_ids z ON z.zip = f.zip
            ORDER BY form_id
            """,
        )
        engine.run([form_keys])
        form_count = int(str(engine.scalar("SELECT count(*) FROM form_keys")))
        announce(f"standardizing {form_count:,} distinct addresses")
        # By slices of form ids (numbered from 0 without gaps), each written as it is done:
        # the standardizer's working memory follows the slice, and the forms stay in the
        # engine, which may spill them, rather than in Python beside it. The rows are
        # standardized one by one, so the slices give the same columns as one call.
        fields = ", ".join(ADDRESS_FIELDS)
        streets = StreetIds()
        form_writer: pq.ParquetWriter | None = None
        for start in range(0, max(form_count, 1), STANDARDIZE_SLICE):
            part = engine.arrow(
                f"SELECT form_id, {fields} FROM form_keys WHERE form_id >= {start} "
                f"AND form_id < {start + STANDARDIZE_SLICE} ORDER BY form_id"
            )
            standardized = standardize_addresses(part.select(list(ADDRESS_FIELDS)))
            form_columns = {"form_id": part.column("form_id")}
            form_columns.update({c: standardized.column(c) for c in standardized.column_names})
            form_columns["addr_street_id"] = streets.ids(
                standardized.column("addr_street_name"), standardized.column("addr_suffix")
            )
            table = pa.table(form_columns)
            if form_writer is None:
                form_writer = pq.ParquetWriter(
                    work / "address_forms.parquet", table.schema, compression=HOT_COMPRESSION
                )
            form_writer.write_table(table.cast(form_writer.schema))
            del part, standardized, form_columns, table
        if form_writer is not None:
            form_writer.close()
        pq.write_table(streets.table(), work / "streets.parquet")
        engine.load_parquet("address_forms", work / "address_forms.parquet")
        announce("linking addresses of record")
        engine.to_parquet(
            """
            SELECT CAST(a.tin AS INTEGER) AS tin, a.tax_year, a.received_date, f.form_id,
                   s.addr_zip5
            FROM raw_addresses a JOIN form_keys f
              ON a.street_address = f.street_address AND a.city = f.city AND a.state = f.state
             AND a.zip = f.zip AND a.unit IS NOT DISTINCT FROM f.unit
            JOIN address_forms s ON s.form_id = f.form_id
            ORDER BY a.tin, a.received_date, a.tax_year, f.form_id
            """,
            work / "addresses.parquet",
            compression=HOT_COMPRESSION,
        )
        announce("choosing last known addresses")
        # formats.md §2: latest received_date, ties broken by the latest tax_year.
        engine.to_parquet(
            """
            SELECT tin, street_address, unit, city, state, zip, received_date, tax_year
            FROM (SELECT *, row_number() OVER (
                      PARTITION BY tin ORDER BY received_date DESC, tax_year DESC,
                      street_address, unit NULLS FIRST) AS recency
                  FROM raw_addresses)
            WHERE recency = 1
            ORDER BY tin
            """,
            work / "last_known.parquet",
        )
        announce("withholding taxpayers a row set aside may hide")
        engine.register("ghost_places", ghost_places)
        engine.register("ghost_names", ghost_names)
        engine.register("values_aside", values_aside)
        # The persons set aside have TINs as filed, which may be anything: they meet the
        # index's taxpayers by the TIN's text.
        tin = f"{tin_text_sql('tin')} AS tin"
        engine.load_parquet("tp_names", work / "taxpayers.parquet", columns=[tin, "name_phonetic"])
        engine.load_parquet("addr_links", work / "addresses.parquet", columns=[tin, "form_id"])
        withheld = engine.arrow(withheld_sql(unnest)).column("tin")
        if pc.any(pc.is_null(ghost_places.column("zip5"))).as_py():
            beyond = engine.arrow(withheld_beyond_zip_sql(unnest)).column("tin")
            withheld = pc.unique(pa.chunked_array(withheld.chunks + beyond.chunks))
        withheld = pc.take(withheld, pc.sort_indices(withheld))
        set_aside["withheld"] = len(withheld)
        pq.write_table(
            with_tin_keys(pa.concat_tables([restrictions, withheld_restrictions(withheld)])),
            work / "restrictions.parquet",
        )
        counts = {
            "addresses": int(str(engine.scalar("SELECT count(*) FROM raw_addresses"))),
            "address_forms": int(str(engine.scalar("SELECT count(*) FROM address_forms"))),
        }

    info = IndexInfo(
        folder=final,
        fingerprint=fingerprint,
        taxpayers=taxpayer_count,
        addresses=counts["addresses"],
        address_forms=counts["address_forms"],
        restrictions=restrictions.num_rows,
        seconds=round(time.perf_counter() - started, 2),
        set_aside=set_aside,
        defects=summary,
    )
    meta = {
        "fingerprint": info.fingerprint,
        "taxpayers": info.taxpayers,
        "addresses": info.addresses,
        "address_forms": info.address_forms,
        "restrictions": info.restrictions,
        "seconds": info.seconds,
        "set_aside": info.set_aside,
        "defects": info.defects,
        "master": str(master),
        "software_version": __version__,
    }
    (work / "index.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    work.replace(final)
    return info
