"""Intake of one batch: read the files, check authority, standardize, check every record.

This is where intake's pure checks meet the files. A batch that fails as a whole raises
``BatchRejected`` with every problem found; a batch with too many deficient records comes back
``quarantined`` (the caller holds it for legal review and discloses nothing).
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc

from ivs.domain.errors import BatchRejected, FormatError, FormatErrors
from ivs.domain.ids import is_identifier
from ivs.domain.pilot import PilotChange, pilot_in_force
from ivs.domain.schema import ADDRESS_FIELDS
from ivs.domain.settings import Settings
from ivs.formats.manifest import Manifest, file_sha256, manifest_from_raw, read_manifest_json
from ivs.formats.records import read_records
from ivs.formats.signers import Signer
from ivs.intake.authority import RecordsFileFacts, authority_problems, records_file_problems
from ivs.intake.record_checks import RecordChecks, RecordContext, check_records, record_verdicts
from ivs.match.name_columns import WordIds, with_name_match_columns
from ivs.standardize.address import standardize_addresses
from ivs.standardize.name import standardize_names
from ivs.standardize.tables import load_tables

__all__ = ["IntakeOutcome", "intake_batch", "request_states", "standardize_records"]

Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    """A batch that passed authority checks, with every record's verdict."""

    manifest: Manifest
    records: pa.Table
    standardized: pa.Table
    verdicts: pa.Table
    counts: dict[str, int]
    quarantine_reason: str | None
    # The index's name words file whose ids the name match columns in ``standardized`` hold
    # (match/name_columns.py); None where intake did not make them.
    name_ids_from: Path | None = None

    @property
    def rejected(self) -> int:
        return sum(self.counts.values())

    @property
    def accepted(self) -> int:
        return int(self.records.num_rows) - self.rejected

    @property
    def quarantined(self) -> bool:
        return self.quarantine_reason is not None


def _records_path(manifest_path: Path, raw: dict[str, object]) -> Path | None:
    records = raw.get("records")
    name = records.get("file") if isinstance(records, dict) else None
    if not isinstance(name, str) or not name.strip():
        return None
    relative = PurePosixPath(name.replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts:
        return None
    return manifest_path.parent / relative


# Below this many records a second process costs more than it saves.
PARALLEL_MIN_ROWS = 100_000
_NAME_INPUT = ["last_name", "first_name", "middle_name", "name_suffix"]
_ADDRESS_INPUT = list(ADDRESS_FIELDS)

# The records forked workers work on, each under the path of its names file, set just
# before the pool forks: the worker inherits them with the process instead of receiving a
# pickled copy (and batches standardized at once in threads keep apart).
_inherited: dict[str, pa.Table] = {}


def _names(records: pa.Table, name_words: Path | None) -> pa.Table:
    """The standardized names and, given the index's name words file, their match columns."""
    names = standardize_names(records.select(_NAME_INPUT))
    if name_words is None:
        return names
    return with_name_match_columns(names, WordIds.read(name_words))


def _names_worker(names_path: str, name_words: Path | None) -> None:
    """A forked worker's names, written to an Arrow file (which the parent maps rather than
    unpickles)."""
    names = _names(_inherited[names_path], name_words)
    with pa.OSFile(names_path, "wb") as sink, pa.ipc.new_file(sink, names.schema) as writer:
        writer.write_table(names)


def _checks_worker(names_path: str, context: RecordContext) -> RecordChecks:
    """A forked worker's checks that read only the records."""
    return check_records(_inherited[names_path], context)


def _standardize(
    records: pa.Table,
    context: RecordContext | None,
    *,
    parallel: bool | None,
    name_words: Path | None = None,
) -> tuple[pa.Table, RecordChecks | None]:
    """Standardized columns (with the names' match columns, given ``name_words``) and, given
    a context, the record-only checks."""
    if parallel is None:
        parallel = records.num_rows >= PARALLEL_MIN_ROWS and (os.cpu_count() or 1) > 1
    address_input = records.select(_ADDRESS_INPUT)
    if not parallel:
        names = _names(records, name_words)
        addresses = standardize_addresses(address_input)
        checks = None if context is None else check_records(records, context)
    else:
        with tempfile.TemporaryDirectory(prefix="ivs-intake-") as folder:
            names_path = str(Path(folder) / "names.arrow")
            _inherited[names_path] = records
            try:
                context_fork = multiprocessing.get_context("fork")
                with ProcessPoolExecutor(max_workers=2, mp_context=context_fork) as pool:
                    # Two tasks, taken by whichever worker is free, as are the address
                    # parser's lines: the work spreads over both cores as it comes.
                    named = pool.submit(_names_worker, names_path, name_words)
                    checked = pool.submit(_checks_worker, names_path, context) if context else None
                    addresses = standardize_addresses(address_input, executor=pool)
                    named.result()
                    checks = checked.result() if checked else None
            finally:
                del _inherited[names_path]
            # Mapped, not copied; the mapping outlives the file's removal.
            names = pa.ipc.open_file(pa.memory_map(names_path)).read_all()
    columns = {name: names.column(name) for name in names.column_names}
    columns.update({name: addresses.column(name) for name in addresses.column_names})
    return pa.table(columns), checks


def standardize_records(records: pa.Table, *, parallel: bool | None = None) -> pa.Table:
    """Standardized name and address columns, row-aligned with ``records``.

    Names and addresses are independent, so on a large batch the names are standardized in a
    forked worker while this process does the addresses, sharing the per-record address
    parser's lines with the workers: all of it is single-threaded work, and the machine has
    two cores. ``parallel`` forces the choice (tests use both ways).
    """
    standardized, _ = _standardize(records, None, parallel=parallel)
    return standardized


def _in_background(work: Callable[[], None]) -> Callable[[], None]:
    """Start ``work`` in a thread; the function returned waits for it and raises its error."""
    errors: list[Exception] = []

    def run() -> None:
        try:
            work()
        except Exception as e:  # handed to the waiting caller, who raises it
            errors.append(e)

    thread = threading.Thread(target=run, name="ivs-load-tables", daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        if errors:
            raise errors[0]

    return wait


def intake_batch(
    manifest_path: Path,
    roster: Mapping[str, Signer],
    settings: Settings,
    pilot_changes: list[PilotChange],
    *,
    now: datetime,
    step: Step | None = None,
    name_words: Callable[[], Path | None] | None = None,
) -> IntakeOutcome:
    """Check a batch's authority and every record; ``BatchRejected`` lists all batch problems.

    ``name_words``, asked once the records are read, gives the index's name words file, if
    there is one yet: the names' match columns are then made on its ids in the names worker,
    beside the addresses, instead of after intake on the run's single path."""
    announce = step or (lambda _label: None)
    # Hashing and parsing the records file release the GIL, so the lookup tables that
    # standardization needs are built meanwhile.
    tables_loaded = _in_background(load_tables)
    announce("reading manifest")
    try:
        raw = read_manifest_json(manifest_path)
    except FormatError as e:
        raise BatchRejected(None, [f"manifest unreadable: {e}"]) from e
    # An id that is not an identifier is named in the problems, never used as one.
    batch_id = raw.get("batch_id") if is_identifier(raw.get("batch_id")) else None
    problems = authority_problems(raw, str(manifest_path), roster, settings, now=now)

    records_path = _records_path(manifest_path, raw)
    records: pa.Table | None = None
    if records_path is None:
        if isinstance(raw.get("records"), dict):
            problems.append("records.file must be a relative path inside the manifest's folder")
    else:
        exists = records_path.is_file()
        facts = RecordsFileFacts(exists=exists)
        if exists:
            announce("hashing records")
            digest = file_sha256(records_path)
            declared = raw["records"].get("sha256") if isinstance(raw["records"], dict) else None
            facts = RecordsFileFacts(exists=True, sha256=digest)
            # Parse only a file that is the one signed: an unsigned file may be anything.
            if isinstance(declared, str) and declared.lower() == digest and not problems:
                announce("reading records")
                try:
                    records = read_records(records_path)
                except FormatErrors as e:
                    problems.extend(f"records file: {p}" for p in e.problems)
                except FormatError as e:
                    problems.append(f"records file: {e}")
                else:
                    facts = RecordsFileFacts(exists=True, sha256=digest, count=records.num_rows)
        problems.extend(records_file_problems(raw, facts, settings))
    if problems:
        raise BatchRejected(batch_id, problems)
    if records is None:  # only when hashing passed but parsing was skipped: cannot happen
        raise BatchRejected(batch_id, ["records file could not be read"])

    manifest = manifest_from_raw(raw, manifest_path)
    context = RecordContext(
        submitted_on=manifest.submitted_at.date(),
        reason_policy=settings.reason_policy,
        manifest_reason=manifest.reason,
        min_order_age_days=settings.min_order_age_days,
        reject_custody_facility=settings.reject_custody_facility_addresses,
        pilot=pilot_in_force(pilot_changes, manifest.submitted_at.date()),
    )
    announce("standardizing names and addresses, checking records")
    tables_loaded()  # before the standardization forks: no thread may be running then
    words_file = name_words() if name_words else None
    # The checks that need no standardized value run in a forked worker meanwhile.
    standardized, checks = _standardize(records, context, parallel=None, name_words=words_file)
    verdicts = record_verdicts(records, standardized, context, checks)
    tally = pc.value_counts(pc.drop_null(verdicts.column("rejection_code")))
    counts = {str(item["values"]): int(item["counts"]) for item in tally.to_pylist()}
    share = sum(counts.values()) / max(records.num_rows, 1)
    quarantine = None
    if share > settings.quarantine_defect_rate:
        quarantine = (
            f"{share:.1%} of the batch's records are deficient, above the quarantine threshold of "
            f"{settings.quarantine_defect_rate:.0%} (setting quarantine_defect_rate): the batch is "
            "held for legal review and nothing is disclosed"
        )
    return IntakeOutcome(
        manifest=manifest,
        records=records,
        standardized=standardized,
        verdicts=verdicts,
        counts=dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        quarantine_reason=quarantine,
        name_ids_from=words_file,
    )


def request_states(intake: IntakeOutcome) -> pa.ChunkedArray | pa.Array:
    """Each request's jurisdiction: its state code, or null where it is not a well-formed one
    (anything else reads as unknown)."""
    states = intake.standardized.column("addr_state")
    return pc.if_else(pc.match_substring_regex(states, r"^[A-Z]{2}$"), states, None)
