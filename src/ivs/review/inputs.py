"""Where a batch's inputs are: the small ``BATCH_ID.inputs.json`` written next to its decisions.

The decisions file holds outcomes and evidence but not the request itself (that is the
requester's data, kept in the signed records file) nor the master snapshot it was matched
against. Explaining or releasing a decision needs both, so a run records their locations:

    {"format": "ivs-batch-inputs/1", "agency": "...", "batch_id": "...",
     "manifest": "/abs/...manifest.json", "master": "/abs/master",
     "index": "/abs/$IVS_HOME/index/<fingerprint>"}

It also says whose batch the folder answers: files in an answer folder are named after the
batch id alone (formats.md §3), so one folder answers one agency's batch of an id, and a run of
another agency's batch of the same id is sent to a folder of its own
(:func:`claim_answer_folder`). A file written before batches were known by their agency has no
``agency``.

Every command that reads it also accepts ``--manifest`` and ``--master``, which take precedence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ivs.domain.errors import ConfigError, Conflict, NotFound
from ivs.domain.ids import BatchKey, path_for_id

__all__ = [
    "INPUTS_FORMAT",
    "BatchInputs",
    "claim_answer_folder",
    "decisions_path",
    "inputs_path",
    "locate_index",
    "locate_manifest",
    "read_inputs",
    "record_inputs",
]

INPUTS_FORMAT = "ivs-batch-inputs/1"


@dataclass(frozen=True, slots=True)
class BatchInputs:
    batch_id: str
    manifest: Path | None
    master: Path | None
    index: Path | None
    agency: str | None = None  # None: recorded before batches were known by their agency


def inputs_path(out_dir: Path, batch_id: str) -> Path:
    return path_for_id(out_dir, batch_id, ".inputs.json")


def decisions_path(out_dir: Path, batch_id: str | None) -> Path:
    """``OUT/BATCH_ID.decisions.parquet``; the only one in ``out_dir`` when no id is given."""
    if batch_id is not None:
        path = path_for_id(out_dir, batch_id, ".decisions.parquet")
        if not path.is_file():
            raise NotFound(
                f"no decisions for batch {batch_id!r} in {out_dir}; check the batch id and the "
                "folder given to `ivs run --out`"
            )
        return path
    found = sorted(out_dir.glob("*.decisions.parquet"))
    if not found:
        raise NotFound(
            f"no *.decisions.parquet in {out_dir}; give the folder `ivs run --out` wrote"
        )
    if len(found) > 1:
        names = ", ".join(p.name.removesuffix(".decisions.parquet") for p in found)
        raise Conflict(f"{out_dir} holds several batches ({names}); choose one with --batch")
    return found[0]


def claim_answer_folder(out_dir: Path, key: BatchKey) -> None:
    """Refuse to answer batch ``key`` in ``out_dir`` when the folder answers another agency's
    batch of the same id (its files, named after the id alone, would be overwritten)."""
    holder = read_inputs(out_dir, key.batch_id).agency
    if holder is not None and holder != key.agency:
        raise Conflict(
            f"{out_dir} already holds the answer to batch {key.batch_id} of {holder}; the "
            f"batch {key.batch_id} of {key.agency} is another batch, and its files would "
            "replace those. Give it an answer folder of its own (another --out)"
        )


def record_inputs(
    out_dir: Path, key: BatchKey, *, manifest: Path, master: Path, index: Path
) -> Path:
    """Write ``BATCH_ID.inputs.json``, with absolute paths so it holds wherever it is read."""
    path = inputs_path(out_dir, key.batch_id)
    body = {
        "format": INPUTS_FORMAT,
        "agency": key.agency,
        "batch_id": key.batch_id,
        "manifest": str(manifest.resolve()),
        "master": str(master.resolve()),
        "index": str(index.resolve()),
    }
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def read_inputs(out_dir: Path, batch_id: str) -> BatchInputs:
    """What ``BATCH_ID.inputs.json`` says; every location None when the file is absent."""
    path = inputs_path(out_dir, batch_id)
    if not path.is_file():
        return BatchInputs(batch_id, None, None, None)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(
            f"{path}: unreadable ({e}); delete it and pass --manifest/--master"
        ) from e
    if not isinstance(data, dict) or data.get("format") != INPUTS_FORMAT:
        raise ConfigError(f"{path}: not a batch inputs file (format must be {INPUTS_FORMAT!r})")
    if data.get("batch_id") != batch_id:
        raise Conflict(f"{path} names batch {data.get('batch_id')!r}, not {batch_id!r}")

    def where(key: str) -> Path | None:
        value = data.get(key)
        return Path(value) if isinstance(value, str) and value else None

    agency = data.get("agency")
    return BatchInputs(
        batch_id,
        where("manifest"),
        where("master"),
        where("index"),
        agency if isinstance(agency, str) else None,
    )


def locate_manifest(inputs: BatchInputs, given: Path | None) -> Path:
    manifest = given or inputs.manifest
    if manifest is None:
        raise ConfigError(
            f"the request records of batch {inputs.batch_id} are not located: no "
            f"{inputs.batch_id}.inputs.json next to the decisions; pass --manifest PATH"
        )
    if not manifest.is_file():
        raise NotFound(f"manifest {manifest} does not exist; pass --manifest PATH")
    return manifest


def locate_index(inputs: BatchInputs, given: Path | None) -> Path:
    """The index folder the batch was matched against.

    ``given`` (the CLI builds it from ``--master``) wins; otherwise the index recorded for the
    batch, which is the snapshot the decision was made on even if the master changed since.
    """
    index = given or inputs.index
    if index is None:
        raise ConfigError(
            f"the master index of batch {inputs.batch_id} is not located: no "
            f"{inputs.batch_id}.inputs.json next to the decisions; pass --master DIR"
        )
    if not (index / "index.json").is_file():
        raise NotFound(
            f"the index {index} recorded for batch {inputs.batch_id} no longer exists; pass "
            "--master DIR with the master file the batch was run against"
        )
    if not (index / "name_words.parquet").is_file():
        raise Conflict(
            f"the index {index} recorded for batch {inputs.batch_id} was built by an earlier "
            "version of ivs, whose name comparisons this one cannot repeat; pass --master DIR "
            "with the master file the batch was run against (its index is then built again)"
        )
    return index
