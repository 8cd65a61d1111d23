"""The working decisions a resumed or repeated run answers from."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ivs.batch.decisions_file import WorkDecisions, stored_decisions, write_work_decisions
from ivs.disclose.batch_keys import destroy_batch_key


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
    work = WorkDecisions(tmp_path, "B1")
    write_work_decisions(_decisions("abc"), work)
    stored = stored_decisions(work, "abc")
    assert stored is not None
    assert stored.equals(_decisions("abc"))
    assert stored.schema.metadata == _decisions("abc").schema.metadata
    assert not work.path.with_name(work.path.name + ".partial").exists()


def test_working_decisions_are_sealed_and_unreadable_once_the_key_is_destroyed(
    tmp_path: Path,
) -> None:
    work = WorkDecisions(tmp_path, "B1")
    write_work_decisions(_decisions("abc"), work)
    data = work.path.read_bytes()
    assert data.startswith(b"IVS-SEALED")
    assert b"123456789" not in data
    assert b"DISCLOSED" not in data
    assert destroy_batch_key(tmp_path, "B1")
    assert stored_decisions(work, "abc") is None


def test_another_batchs_decisions_are_not_used(tmp_path: Path) -> None:
    work = WorkDecisions(tmp_path, "B1")
    write_work_decisions(_decisions("abc"), work)
    assert stored_decisions(work, "other") is None
    assert stored_decisions(WorkDecisions(tmp_path, "B2"), "abc") is None


def test_parquet_left_by_an_earlier_release_is_read(tmp_path: Path) -> None:
    work = WorkDecisions(tmp_path, "B1")
    work.path.parent.mkdir(parents=True)
    pq.write_table(_decisions("abc"), work.path.with_suffix(".parquet"))
    stored = stored_decisions(work, "abc")
    assert stored is not None
    assert stored.equals(_decisions("abc"))
