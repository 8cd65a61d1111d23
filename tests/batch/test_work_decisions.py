"""The working decisions a resumed or repeated run answers from."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ivs.batch.decisions_file import (
    decisions_digest,
    legacy_work_decisions_path,
    stored_decisions,
    work_decisions_path,
    write_work_decisions,
)
from ivs.domain.ids import BatchKey
from ivs.domain.settings import load_settings


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
    path = tmp_path / "work" / "B1" / "decisions.arrow"
    write_work_decisions(_decisions("abc"), path)
    stored = stored_decisions(path, "abc")
    assert stored is not None
    assert stored.equals(_decisions("abc"))
    assert stored.schema.metadata == _decisions("abc").schema.metadata
    assert not path.with_name(path.name + ".partial").exists()


def test_another_batchs_decisions_are_not_used(tmp_path: Path) -> None:
    path = tmp_path / "decisions.arrow"
    write_work_decisions(_decisions("abc"), path)
    assert stored_decisions(path, "other") is None
    assert stored_decisions(tmp_path / "absent.arrow", "abc") is None


def test_parquet_left_by_an_earlier_release_is_read(tmp_path: Path) -> None:
    pq.write_table(_decisions("abc"), tmp_path / "decisions.parquet")
    stored = stored_decisions(tmp_path / "decisions.arrow", "abc")
    assert stored is not None
    assert stored.equals(_decisions("abc"))


def test_decisions_kept_before_batches_were_their_agencys_move_to_their_batch(
    tmp_path: Path,
) -> None:
    """Working decisions at ``work/BATCH_ID/`` (before 0006) are moved to
    ``work/AGENCY/BATCH_ID/`` for their own batch (its manifest digest) only."""
    settings = load_settings(home=tmp_path)
    unscoped = legacy_work_decisions_path(settings, "B1")
    write_work_decisions(_decisions("abc"), unscoped)
    assert decisions_digest(unscoped) == "abc"
    # Another agency's batch B1 (another manifest) neither takes nor disturbs them.
    other = work_decisions_path(settings, BatchKey("DHS-CBP", "B1"), "def")
    assert other == tmp_path / "work" / "DHS-CBP" / "B1" / "decisions.arrow"
    assert not other.exists()
    assert unscoped.is_file()
    own = work_decisions_path(settings, BatchKey("DHS-ICE", "B1"), "abc")
    assert own == tmp_path / "work" / "DHS-ICE" / "B1" / "decisions.arrow"
    assert not unscoped.exists()
    stored = stored_decisions(own, "abc")
    assert stored is not None
    assert stored.equals(_decisions("abc"))
