"""The working decisions a resumed or repeated run answers from."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ivs.batch.decisions_file import (
    WorkDecisions,
    decisions_digest,
    stored_decisions,
    write_work_decisions,
)
from ivs.disclose import batch_keys
from ivs.disclose.batch_keys import batch_key_path, destroy_batch_key, seal, unseal
from ivs.domain.ids import BatchKey
from ivs.domain.settings import load_settings

ICE_B1 = BatchKey("DHS-ICE", "B1")


def _decisions(digest: str) -> pa.Table:
    candidates = pa.array(
        [[{"tin": "123456789", "w": 20.5}], None],
        pa.list_(pa.struct([("tin", pa.string()), ("w", pa.float64())])),
    )
    table = pa.table(
        {
            "request_id": ["R1", "R2"],
            "outcome": ["DISCLOSED", "NOT_DISCLOSED"],
            "candidate_list": candidates,
        }
    )
    return table.replace_schema_metadata({"ivs.manifest_digest": digest, "ivs.rule_set": "r"})


def test_written_decisions_read_back_whole(tmp_path: Path) -> None:
    work = WorkDecisions(tmp_path, ICE_B1)
    write_work_decisions(_decisions("abc"), work)
    stored = stored_decisions(work, "abc")
    assert stored is not None
    assert stored.equals(_decisions("abc"))
    assert stored.schema.metadata == _decisions("abc").schema.metadata
    assert not work.path.with_name(work.path.name + ".partial").exists()


def test_working_decisions_are_sealed_and_unreadable_once_the_key_is_destroyed(
    tmp_path: Path,
) -> None:
    work = WorkDecisions(tmp_path, ICE_B1)
    write_work_decisions(_decisions("abc"), work)
    data = work.path.read_bytes()
    assert data.startswith(b"IVS-SEALED")
    assert b"123456789" not in data
    assert b"DISCLOSED" not in data
    assert destroy_batch_key(tmp_path, ICE_B1)
    assert stored_decisions(work, "abc") is None


def test_another_batchs_decisions_are_not_used(tmp_path: Path) -> None:
    work = WorkDecisions(tmp_path, ICE_B1)
    write_work_decisions(_decisions("abc"), work)
    assert stored_decisions(work, "other") is None
    assert stored_decisions(WorkDecisions(tmp_path, BatchKey("DHS-ICE", "B2")), "abc") is None
    # Another agency's batch of the same id is another batch, with another key.
    assert stored_decisions(WorkDecisions(tmp_path, BatchKey("DHS-CBP", "B1")), "abc") is None


def _write_unsealed(table: pa.Table, path: Path) -> None:
    """Working decisions as kept before they were sealed and their agency's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def test_decisions_kept_before_batches_were_their_agencys_are_read_for_their_batch_only(
    tmp_path: Path,
) -> None:
    """Working decisions at ``work/BATCH_ID/`` (unsealed, before 0006) are read for their own
    batch (its manifest digest), never for another agency's batch of the same id."""
    settings = load_settings(home=tmp_path)
    unscoped = WorkDecisions.of(settings, ICE_B1).legacy_path
    _write_unsealed(_decisions("abc"), unscoped)
    assert decisions_digest(unscoped) == "abc"
    other = WorkDecisions.of(settings, BatchKey("DHS-CBP", "B1"))
    assert other.path == tmp_path / "work" / "DHS-CBP" / "B1" / "decisions.arrow"
    assert stored_decisions(other, "def") is None
    own = WorkDecisions.of(settings, ICE_B1)
    assert own.path == tmp_path / "work" / "DHS-ICE" / "B1" / "decisions.arrow"
    stored = stored_decisions(own, "abc")
    assert stored is not None
    assert stored.equals(_decisions("abc"))


def test_parquet_left_by_an_earlier_release_is_read(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    unscoped = WorkDecisions.of(settings, ICE_B1).legacy_path
    unscoped.parent.mkdir(parents=True)
    pq.write_table(_decisions("abc"), unscoped.with_suffix(".parquet"))
    stored = stored_decisions(WorkDecisions.of(settings, ICE_B1), "abc")
    assert stored is not None
    assert stored.equals(_decisions("abc"))


def test_a_run_killed_while_making_its_batch_key_leaves_no_key_to_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key file appears whole or not at all: killed after writing the key but before it is
    in place, the next run makes the batch's key afresh (an empty key file, left by a kill
    between creating and writing it, was refused as altered by every later run)."""

    def killed(_source: object, _target: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_keys.os, "link", killed)
    with pytest.raises(KeyboardInterrupt):
        seal(tmp_path, ICE_B1, "decisions", b"addresses")
    assert not batch_key_path(tmp_path, ICE_B1).exists()
    monkeypatch.undo()
    sealed = seal(tmp_path, ICE_B1, "decisions", b"addresses")
    assert unseal(tmp_path, ICE_B1, "decisions", sealed) == b"addresses"
    assert len(batch_key_path(tmp_path, ICE_B1).read_bytes()) == 32
    assert [p.name for p in batch_key_path(tmp_path, ICE_B1).parent.iterdir()] == ["B1.key"]
