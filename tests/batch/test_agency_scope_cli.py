"""The same batch id sent by two agencies, through the command line (issue 22, defect 8): each
is run and answered as its own batch; a command that names a batch by an id two agencies used
asks which (--agency), naming them; one id that names one batch needs nothing more."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tests.intake.batch_factory import make_batch
from tests.recipients import (
    CBP_SMITH_KEY,
    OTHER_IDENTITY,
    SMITH_IDENTITY,
    opened_response,
    register_smith,
)
from typer.testing import CliRunner

from ivs.cli import app
from ivs.formats import read_signers
from ivs.formats.signers import write_signers

from .small_world import REQUESTS, write_batch, write_master

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("ledger_key")
BATCH_ID = "TEST-2025-06-27-A"
OTHER = "DHS-CBP"


def ivs(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), terminal_width=250)
    assert result.exit_code == code, result.output
    return result.output


def test_two_agencies_run_the_same_batch_id(
    tmp_path: Path, ivs_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every confident match goes to review, so that each batch has cases of its own.
    monkeypatch.setenv("IVS_DISCLOSURE_THRESHOLD", "1.0")
    monkeypatch.setenv("IVS_REVIEW_THRESHOLD", "0.5")
    master = write_master(tmp_path / "master")
    ice = write_batch(tmp_path / "ice")
    cbp = make_batch(
        tmp_path / "cbp",
        [r for r, _, _ in REQUESTS[:2]],
        requesting_agency=OTHER,
        signer={"key_id": "cbp-commissioner-2025", "name": "T", "title": "Commissioner"},
    )
    director = read_signers(ice.signers)["ice-director-2025"]
    roster = tmp_path / "signers.json"
    commissioner = replace(director, key_id="cbp-commissioner-2025", agency=OTHER)
    write_signers(roster, [director, commissioner])

    def run(batch: Path, out: Path, code: int = 0) -> str:
        return ivs(
            "run", str(batch), "--master", str(master), "--signers", str(roster),
            "--out", str(out), code=code,
        )  # fmt: skip

    register_smith(CBP_SMITH_KEY)  # the other agency's recipient (DHS-ICE's is registered)
    run(ice.manifest, tmp_path / "out-ice")
    # Into the folder that answers the other agency's batch X: refused, nothing replaced.
    said = run(cbp.manifest, tmp_path / "out-ice", code=7)
    assert f"already holds the answer to batch {BATCH_ID} of DHS-ICE" in said
    run(cbp.manifest, tmp_path / "out-cbp")
    answers = {
        agency: opened_response(
            tmp_path / out / f"{BATCH_ID}.package.zip", tmp_path / agency, identity
        )
        for agency, out, identity in (
            ("DHS-ICE", "out-ice", SMITH_IDENTITY),
            (OTHER, "out-cbp", OTHER_IDENTITY),
        )
    }
    assert answers["DHS-ICE"].num_rows == len(REQUESTS)
    assert answers[OTHER].column("request_id").to_pylist() == ["R1", "R2"]
    for agency in ("DHS-ICE", OTHER):
        assert (ivs_home / "work" / agency / BATCH_ID / "decisions.arrow").is_file()
    # The same signed batch again, within its agency: answered from the record, as before.
    assert "already processed" in run(cbp.manifest, tmp_path / "out-cbp")

    listed = ivs("review", "list")
    assert "DHS-ICE" in listed
    assert OTHER in listed
    # Commands naming the batch by its id alone ask which agency's, naming both.
    for command in (
        ("report", "batch", BATCH_ID, "--out", str(tmp_path / "r.html")),
        ("review", "release", BATCH_ID, "--out", str(tmp_path / "rel")),
        ("recall", "--batch", BATCH_ID, "--dry-run"),
    ):
        said = ivs(*command, code=2)
        assert f"names batches of 2 agencies ({OTHER}, DHS-ICE)" in said, command
        assert "--agency" in said
    report = tmp_path / "cbp.html"
    ivs("report", "batch", BATCH_ID, "--agency", OTHER, "--out", str(report))
    assert "2 request records on its signed manifest" in report.read_text()
    cases = [line.split()[1] for line in listed.splitlines() if f" {OTHER} " in line]
    ivs("review", "decide", cases[0], "--approve", "--reason", "same person", "--by", "rev")
    said = ivs("review", "release", BATCH_ID, "--agency", OTHER, "--out", str(tmp_path / "rel"))
    assert f"supplement 1 of {BATCH_ID} of {OTHER}: 1 disclosed" in said
    # The other batch X's first supplement would replace that file: refused, nothing written.
    ice_cases = [line.split()[1] for line in listed.splitlines() if " DHS-ICE " in line]
    ivs("review", "decide", ice_cases[0], "--approve", "--reason", "same person", "--by", "rev")
    shared = tmp_path / "rel" / f"{BATCH_ID}.supplement-1.package.zip"
    before = shared.read_bytes()
    said = ivs(
        "review", "release", BATCH_ID, "--agency", "DHS-ICE", "--out", str(tmp_path / "rel"),
        code=7,
    )  # fmt: skip
    assert f"is the supplement of batch {BATCH_ID} of {OTHER}" in said
    assert shared.read_bytes() == before
    said = ivs(
        "review", "release", BATCH_ID, "--agency", "DHS-ICE", "--out", str(tmp_path / "rel-ice")
    )
    assert f"supplement 1 of {BATCH_ID} of DHS-ICE: 1 disclosed" in said
    said = ivs("recall", "--batch", BATCH_ID, "--agency", OTHER, "--dry-run")
    assert f"in scope: batch {BATCH_ID} of {OTHER}" in said
    assert "2 batch(es)" in ivs("purge", "--older-than", "0")
    for agency in ("DHS-ICE", OTHER):
        assert not (ivs_home / "work" / agency / BATCH_ID).exists()
