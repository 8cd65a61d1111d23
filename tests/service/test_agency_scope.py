"""Batch ids are each agency's own (issue 22, defect 8): two agencies may each send a batch
``X``; each is run and answered as its own batch, and neither learns of the other. Before,
the second agency's submission was answered ``409`` (the id was taken), which told it that
another agency had used the id, and let an agency take an id first. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.batch.small_world import REQUESTS
from tests.intake.batch_factory import BatchFiles, make_batch
from tests.recipients import CBP_SMITH_KEY, OTHER_IDENTITY, plaintext_of

from ivs.batch.roster import import_roster
from ivs.disclose.recipient_keys import import_recipient_keys
from ivs.formats import read_signers
from ivs.formats.signers import Signer
from ivs.service import create_app, open_context

from .conftest import wait_for
from .world import NOW, OTHER_AGENCY, OWN_AGENCY, World, bearer, make_world, upload

BATCH_ID = "TEST-2025-06-27-A"  # the small world's batch, as its agency sends it


@pytest.fixture
def world(tmp_path: Path, store_backend: str) -> World:
    del store_backend  # the world's store is SQLite or PostgreSQL, per IVS_DATABASE_URL
    made = make_world(tmp_path, review_band=False)
    # The other agency's head signs with a key of its own agency on the roster.
    roster = read_signers(made.batch.signers)
    ice = roster["ice-director-2025"]
    cbp = Signer(
        key_id="cbp-commissioner-2025",
        agency=OTHER_AGENCY,
        name="Test Commissioner",
        title="Commissioner, U.S. Customs and Border Protection",
        role=ice.role,
        public_key=ice.public_key,
        valid_from=ice.valid_from,
        valid_until=None,
    )
    ctx = open_context(made.settings, made.master, clock=lambda: NOW)
    import_roster(
        ctx.store, {**roster, cbp.key_id: cbp}, changed_by="setup", now=NOW, ledger=ctx.ledger
    )
    import_recipient_keys(ctx.store, ctx.ledger, [CBP_SMITH_KEY], imported_by="setup", now=NOW)
    return made


def _other_batch(folder: Path, batch_id: str = BATCH_ID) -> BatchFiles:
    """The other agency's batch of the same id: other records (the first two requests)."""
    return make_batch(
        folder,
        [r for r, _, _ in REQUESTS[:2]],
        batch_id=batch_id,
        requesting_agency=OTHER_AGENCY,
        signer={"key_id": "cbp-commissioner-2025", "name": "T", "title": "Commissioner"},
    )


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


def test_two_agencies_each_send_batch_x_and_neither_learns_of_the_other(
    world: World, tmp_path: Path
) -> None:
    own = bearer(world.tokens["requester"])
    other = bearer(world.tokens["other-requester"])
    theirs = _other_batch(tmp_path / "cbp")
    with TestClient(create_app(world.context())) as client:
        # Before the other agency sends X, its X is not found, as an id never used.
        missing = _error(client.get(f"/v1/batches/{BATCH_ID}", headers=other), 404)["message"]
        accepted = client.post("/v1/batches", files=upload(world.batch), headers=own)
        assert accepted.status_code == 202, accepted.text
        seen = _error(client.get(f"/v1/batches/{BATCH_ID}", headers=other), 404)["message"]
        never = _error(client.get("/v1/batches/NEVER-SENT", headers=other), 404)["message"]
        assert seen == missing
        assert seen.replace(BATCH_ID, "X") == never.replace("NEVER-SENT", "X")

        # The other agency sends its own batch X: accepted, not "already submitted".
        second = client.post("/v1/batches", files=upload(theirs), headers=other)
        assert second.status_code == 202, second.text
        assert second.json()["batch"]["agency"] == OTHER_AGENCY
        mine = wait_for(client, f"/v1/batches/{BATCH_ID}", world.tokens["requester"])
        its = wait_for(client, f"/v1/batches/{BATCH_ID}", world.tokens["other-requester"])
        assert mine["status"] == its["status"] == "completed", (mine, its)
        assert (mine["agency"], mine["record_count"]) == (OWN_AGENCY, len(REQUESTS))
        assert (its["agency"], its["record_count"]) == (OTHER_AGENCY, 2)

        # Each fetches its own answer: its own records, decided as its own batch.
        # Each agency's package opens with its own recipient's key.
        own_package = client.get(f"/v1/batches/{BATCH_ID}/response", headers=own).content
        other_package = client.get(f"/v1/batches/{BATCH_ID}/response", headers=other).content
        own_rows = _rows(plaintext_of(own_package).decode())
        other_rows = _rows(plaintext_of(other_package, OTHER_IDENTITY).decode())
        assert [r["request_id"] for r in own_rows] == [r["request_id"] for r, _, _ in REQUESTS]
        first_two = [r["request_id"] for r, _, _ in REQUESTS[:2]]
        assert [r["request_id"] for r in other_rows] == first_two
        expected = {r["request_id"]: outcome for r, outcome, _ in REQUESTS}
        assert all(r["outcome"] == expected[r["request_id"]] for r in own_rows + other_rows)
        # The response file is the contract's, column for column (formats.md §3).
        assert list(own_rows[0]) == list(other_rows[0]) == [
            "request_id", "outcome", "street_address", "unit", "city", "state", "zip",
            "rejection_reason", "advisories",
        ]  # fmt: skip

        # Neither lists the other's; a duplicate within one agency is still refused.
        for token, agency in ((own, OWN_AGENCY), (other, OTHER_AGENCY)):
            listed = client.get("/v1/batches", headers=token).json()
            assert [(b["batch_id"], b["agency"]) for b in listed] == [(BATCH_ID, agency)]
        again = client.post("/v1/batches", files=upload(theirs), headers=other)
        assert "your agency already submitted" in _error(again, 409)["message"]

        # An auditor sees both, and says which where the id alone is ambiguous.
        auditor = bearer(world.tokens["auditor"])
        ambiguous = _error(client.get(f"/v1/batches/{BATCH_ID}", headers=auditor), 422)
        assert f"({OTHER_AGENCY}, {OWN_AGENCY})" in ambiguous["message"]
        for agency, records in ((OWN_AGENCY, len(REQUESTS)), (OTHER_AGENCY, 2)):
            one = client.get(f"/v1/batches/{BATCH_ID}?agency={agency}", headers=auditor).json()
            assert (one["agency"], one["record_count"]) == (agency, records)
            report = client.get(f"/v1/reports/batches/{BATCH_ID}?agency={agency}", headers=auditor)
            assert report.status_code == 200, report.text
            assert f"{records} request records on its signed manifest" in report.text
        _error(client.get(f"/v1/reports/batches/{BATCH_ID}", headers=auditor), 422)
        # A requester naming another agency is told what an unknown id is told.
        probe = client.get(f"/v1/batches/{BATCH_ID}?agency={OTHER_AGENCY}", headers=own)
        assert _error(probe, 404)["message"] == missing

    # On the ledger each batch's decisions carry its agency, and the ledger verifies.
    ledger = world.context().ledger
    decided = Counter(
        (body["agency"], body["batch_id"])
        for chunk in ledger.entry_bytes(["record_decision"])
        for body in (json.loads(data)["body"] for data in chunk)
    )
    assert decided == {(OWN_AGENCY, BATCH_ID): len(REQUESTS), (OTHER_AGENCY, BATCH_ID): 2}
    assert ledger.verify().ok
