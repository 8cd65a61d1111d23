"""``ivs simulate`` on the hand-made world: each policy's disclosures, nothing recorded."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.intake.batch_factory import make_batch

from ivs.batch.simulate import simulate
from ivs.domain.errors import ConfigError
from ivs.domain.settings import load_settings
from ivs.formats import read_signers

from .small_world import NOW, REQUESTS, rec, run_asked, write_batch, write_master

pytestmark = pytest.mark.usefixtures("ledger_key")


def _disclosed(manifest: Path, master: Path, signers: Path, policy: str) -> set[tuple[str, str]]:
    result = simulate(manifest, master, read_signers(signers), load_settings(), policy, now=NOW)
    return {(r["request_id"], r["tin"]) for r in result.disclosures.to_pylist()}


def test_the_lawful_policy_discloses_what_a_run_does(tmp_path: Path) -> None:
    master = write_master(tmp_path / "master")
    batch, result = run_asked(tmp_path, master, [r for r, _, _ in REQUESTS])
    simulated = _disclosed(batch.manifest, master, batch.signers, "lawful")
    decisions = pq.read_table(result.decisions).to_pylist()
    ran = {(d["request_id"], d["matched_tin"]) for d in decisions if d["outcome"] == "DISCLOSED"}
    assert simulated == ran
    assert ran


def test_the_2025_policies_disclose_where_the_address_is_not_the_taxpayers(tmp_path: Path) -> None:
    """MARIA LOPEZ (TIN 045678912) lives at 9 BIRCH RD; the request names another street. The
    law discloses nothing; the TIN-only rule discloses on the name and TIN, the name-only rule
    on the one MARIA LOPEZ, each naming her TIN as nine digits."""
    master = write_master(tmp_path / "master")
    elsewhere = ("40 Saguaro Way", "Phoenix", "AZ", "85004")
    asked = [rec(1, "Lopez", "Maria", *elsewhere, tin="045678912")]
    batch = make_batch(tmp_path / "batch", asked)
    request_id = asked[0]["request_id"]
    assert _disclosed(batch.manifest, master, batch.signers, "lawful") == set()
    for policy in ("tin-only", "name-only"):
        assert _disclosed(batch.manifest, master, batch.signers, policy) == {
            (request_id, "045678912")
        }


def test_an_unknown_policy_is_refused(tmp_path: Path) -> None:
    batch = write_batch(tmp_path / "batch")
    with pytest.raises(ConfigError, match="unknown policy 'tin-first'"):
        simulate(
            batch.manifest,
            tmp_path / "master",
            read_signers(batch.signers),
            load_settings(),
            "tin-first",
            now=NOW,
        )
