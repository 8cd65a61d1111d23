"""What `ivs run` puts on the record: every decision and disclosure exactly once, holds checked
at the moment of disclosure, the safeguards gate, duplicates and refusals."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from tests.recipients import opened_plaintext, opened_response

from ivs.batch.run import run_batch
from ivs.disclose.holds import lift_hold, place_hold
from ivs.disclose.safeguards import set_agency_status
from ivs.domain.errors import BatchRejected
from ivs.domain.settings import Settings, load_settings
from ivs.formats import read_signers
from ivs.ledger.keys import open_ledger
from ivs.ledger.log import Ledger

from .small_world import REQUESTS, write_batch, write_master

NOW = datetime(2025, 6, 28, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("ledger_key", "store_backend")
DISCLOSED = sum(1 for _, outcome, _ in REQUESTS if outcome == "DISCLOSED")


def entries(ledger: Ledger) -> list[dict[str, Any]]:
    out = StringIO()
    ledger.export_jsonl(out)
    return [json.loads(json.loads(line)["entry"]) for line in out.getvalue().splitlines()]


def kinds(ledger: Ledger) -> Counter[str]:
    return Counter(e["kind"] for e in entries(ledger))


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path, Path]:
    master = write_master(tmp_path / "master")
    batch = write_batch(tmp_path / "batch")
    return master, batch.manifest, batch.signers


def run(world: tuple[Path, Path, Path], out: Path, settings: Settings | None = None) -> Any:
    master, manifest, signers = world
    return run_batch(
        manifest, master, read_signers(signers), settings or load_settings(), out, now=NOW
    )


def test_every_decision_and_disclosure_is_on_the_record(
    world: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    result = run(world, tmp_path / "out")
    ledger = open_ledger(load_settings())
    recorded = entries(ledger)
    by_kind = Counter(e["kind"] for e in recorded)
    assert by_kind["batch_received"] == 1
    assert by_kind["record_decision"] == len(REQUESTS)
    assert by_kind["disclosure"] == DISCLOSED
    assert by_kind["batch_completed"] == 1
    assert by_kind["response_released"] == 1
    decided = {
        e["body"]["request_id"]: e["body"] for e in recorded if e["kind"] == "record_decision"
    }
    for request, outcome, code in REQUESTS:
        assert (
            decided[request["request_id"]]["outcome"],
            decided[request["request_id"]]["code"],
        ) == (outcome, code)
        assert decided[request["request_id"]]["rule_set"] == result.rule_set
    completed = next(e["body"] for e in recorded if e["kind"] == "batch_completed")
    assert completed["outcomes"] == result.outcomes
    assert set(completed["counterfactual"]) == {"disclosed", "on_rejected_requests", "not_lawful"}
    # Each disclosure names the taxpayer disclosed, with a digest of what was sent, not the address.
    response = {
        r["request_id"]: r
        for r in opened_response(result.response, tmp_path / "opened").to_pylist()
    }
    for body in (e["body"] for e in recorded if e["kind"] == "disclosure"):
        assert response[body["request_id"]]["outcome"] == "DISCLOSED"
        assert response[body["request_id"]]["street_address"] not in json.dumps(body)
    released = next(e["body"] for e in recorded if e["kind"] == "response_released")
    assert (
        released["response_sha256"] == hashlib.sha256(opened_plaintext(result.response)).hexdigest()
    )
    assert released["delivery"]["form"] == "package"
    assert [r["name"] for r in released["delivery"]["recipients"]] == ["Agent Smith"]
    assert ledger.verify().ok


def test_the_same_batch_again_answers_from_the_record_in_any_folder(
    world: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    first = run(world, tmp_path / "out")
    ledger = open_ledger(load_settings())
    before = kinds(ledger)
    again = run(world, tmp_path / "elsewhere")
    assert again.repeated
    assert again.response.read_bytes() == first.response.read_bytes()
    after = kinds(ledger)
    assert after - before == Counter({"duplicate_submission": 1})


def test_a_hold_in_force_stops_disclosure_and_is_lifted(
    world: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    settings = load_settings()
    ledger = open_ledger(settings)
    hold = place_hold(
        ledger.store,
        ledger,
        scope="state:TX",
        order="S.D. Tex., No. 4:25-cv-1, 2025-06-01",
        placed_by="counsel",
    )
    result = run(world, tmp_path / "out")
    decisions = pq.read_table(result.decisions).to_pylist()
    texas = [d for d in decisions if d["decision_code"] == "HELD"]
    assert texas, "the Texas disclosures are held"
    for d in texas:
        assert d["outcome"] == "NOT_DISCLOSED"
        # The decisions file beside the response holds no disclosed address at all.
        assert "disclosed_street_address" not in d
    response = {
        r["request_id"]: r
        for r in opened_response(result.response, tmp_path / "opened").to_pylist()
    }
    for d in texas:
        assert response[d["request_id"]]["outcome"] == "NOT_DISCLOSED"
        assert response[d["request_id"]]["street_address"] is None
    assert kinds(ledger)["disclosure"] == DISCLOSED - len(texas)
    lifted = lift_hold(
        ledger.store, ledger, hold.hold_id, order="order vacated", lifted_by="counsel"
    )
    assert lifted.lifted_at is not None
    assert kinds(ledger)["hold_lifted"] == 1


def test_a_hold_effective_later_does_not_stop_todays_disclosures(
    world: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    ledger = open_ledger(load_settings())
    place_hold(
        ledger.store,
        ledger,
        scope="all",
        order="order of next week",
        placed_by="c",
        effective=datetime.now(UTC) + timedelta(days=7),
    )
    result = run(world, tmp_path / "out")
    assert result.outcomes.get("DISCLOSED") == DISCLOSED


def test_an_agency_with_open_findings_gets_no_response_until_cleared(
    world: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    settings = load_settings()
    ledger = open_ledger(settings)
    manifest = json.loads(world[1].read_text())
    agency = manifest["requesting_agency"]
    set_agency_status(
        ledger.store,
        ledger,
        agency,
        open_findings=2,
        corrective_plan_dated=None,
        note="review 2025",
        changed_by="safeguards",
    )
    held_back = run(world, tmp_path / "out")
    assert held_back.withheld
    assert not held_back.response.exists()
    assert kinds(ledger)["record_decision"] == len(REQUESTS)
    set_agency_status(
        ledger.store,
        ledger,
        agency,
        open_findings=2,
        corrective_plan_dated=datetime(2025, 7, 1).date(),
        note="plan",
        changed_by="s",
    )
    released = run(world, tmp_path / "out")
    assert not released.withheld
    assert released.response.is_file()
    counted = kinds(ledger)
    assert counted["record_decision"] == len(REQUESTS)
    assert counted["response_released"] == 1


def test_a_refused_batch_is_on_the_record(world: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _master, manifest, _signers = world
    raw = json.loads(manifest.read_text())
    raw["statute"] = "26 U.S.C. 7201"
    manifest.write_text(json.dumps(raw))
    with pytest.raises(BatchRejected):
        run(world, tmp_path / "out")
    recorded = entries(open_ledger(load_settings()))
    # After the test recipient's key was registered (the ledger_key fixture).
    assert [e["kind"] for e in recorded] == ["recipient_keys_changed", "batch_refused"]
    assert any("26" in p for p in recorded[1]["body"]["problems"])
