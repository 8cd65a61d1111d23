"""Holds, the safeguards gate and exports through the service: a batch for an agency barred by
its safeguard review is decided but withheld (409 to its requester) until an administrator
records the agency cleared and runs it again."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.recipients import OTHER_IDENTITY, OTHER_PUBLIC_KEY, SMITH_KEY, plaintext_of

from ivs.disclose.recipient_keys import import_recipient_keys, revoke_recipient_key
from ivs.domain.errors import PackageError
from ivs.service import ServiceContext, create_app
from ivs.service.api_reports import REPORT_POLICY
from ivs.store.ledger_tables import ledger_entries

from .world import NOW, World, bearer, make_world, upload


def _ledger_entries(ctx: ServiceContext) -> list[bytes]:
    with ctx.store.connect() as conn:
        return [bytes(row[0]) for row in conn.execute(sa.select(ledger_entries.c.entry))]


def _wait(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status: dict[str, object] = client.get(url, headers=headers).json()
        if status["status"] not in ("queued", "running"):
            return status
        time.sleep(0.05)
    raise AssertionError(status)


def _submitted_and_withheld(
    client: TestClient, world: World, requester: dict[str, str]
) -> tuple[str, dict[str, object]]:
    """The world's batch submitted, run and withheld: its status URL and status."""
    accepted = client.post("/v1/batches", files=upload(world.batch), headers=requester)
    assert accepted.status_code == 202, accepted.text
    url: str = accepted.json()["status_url"]
    status = _wait(client, url, requester)
    assert status["status"] == "withheld"
    assert status["released"] is False
    return url, status


def test_withheld_until_cleared_then_released(tmp_path: Path, store_backend: str) -> None:
    world = make_world(tmp_path, review_band=False)
    admin, requester = bearer(world.tokens["admin"]), bearer(world.tokens["requester"])
    with TestClient(create_app(world.context())) as client:
        barred = client.put(
            "/v1/admin/safeguards/DHS-ICE",
            json={"open_findings": 3, "note": "review of 2025: three open findings"},
            headers=admin,
        )
        assert barred.status_code == 200
        assert barred.json()["cleared"] is False
        url, status = _submitted_and_withheld(client, world, requester)
        assert status["response_url"] is None
        refused = client.get(f"{url}/response", headers=requester)
        assert refused.status_code == 409
        assert refused.json()["error"]["type"] == "Conflict"

        cleared = client.put(
            "/v1/admin/safeguards/DHS-ICE",
            json={"open_findings": 3, "corrective_plan_dated": "2025-06-28", "note": "plan"},
            headers=admin,
        )
        assert cleared.json()["cleared"] is True
        again = client.post(f"/v1/admin/batches/{status['batch_id']}/run", headers=admin)
        assert again.status_code == 202, again.text
        status = _wait(client, url, requester)
        assert status["status"] == "completed"
        assert status["released"] is True
        fetched = client.get(f"{url}/response", headers=requester)
        assert fetched.status_code == 200
        assert fetched.headers["content-type"] == "application/zip"
        assert plaintext_of(fetched.content).startswith(b"request_id,")


def test_holds_and_spreadsheet_exports(tmp_path: Path) -> None:
    world = make_world(tmp_path, review_band=False)
    admin, auditor = bearer(world.tokens["admin"]), bearer(world.tokens["auditor"])
    requester = bearer(world.tokens["requester"])
    with TestClient(create_app(world.context())) as client:
        placed = client.post(
            "/v1/admin/holds",
            json={"scope": "state:TX", "order": "In re Doe, No. 25-1 (S.D. Tex. June 1, 2025)"},
            headers=admin,
        )
        assert placed.status_code == 201, placed.text
        hold = placed.json()
        assert hold["scope"] == "state:TX"
        accepted = client.post("/v1/batches", files=upload(world.batch), headers=requester)
        status = _wait(client, accepted.json()["status_url"], requester)
        assert status["status"] == "completed"
        package = client.get(f"{accepted.json()['status_url']}/response", headers=requester)
        rows = plaintext_of(package.content).decode()
        # Every Texas request is held: none of them is disclosed.
        assert "HOUSTON" not in rows
        assert "DALLAS" not in rows
        lifted = client.post(
            f"/v1/admin/holds/{hold['hold_id']}/lift",
            json={"order": "In re Doe, order of June 20, 2025"},
            headers=admin,
        )
        assert lifted.status_code == 200
        assert lifted.json()["lifted_by"] == "admin"
        twice = client.post(
            f"/v1/admin/holds/{hold['hold_id']}/lift", json={"order": "again"}, headers=admin
        )
        assert twice.status_code == 409
        csv = client.get(
            "/v1/accounting", params={"tin": "912701234", "form": "csv"}, headers=auditor
        )
        assert csv.status_code == 200
        assert csv.text.startswith("decided_at,batch_id")
        lines = client.get("/v1/accounting", params={"tin": "912701234"}, headers=auditor).json()
        year = int(lines[0]["decided_at"][:4])  # decisions are stamped when committed
        annual = client.get("/v1/accounting/annual", params={"year": year}, headers=auditor)
        assert annual.status_code == 200
        assert sum(x["requests"] for x in annual.json()) == 12
        report = client.get(f"/v1/reports/batches/{status['batch_id']}", headers=auditor)
        assert report.status_code == 200
        assert report.headers["content-type"].startswith("text/html")
        assert report.headers["content-security-policy"] == REPORT_POLICY
        assert str(status["batch_id"]) in report.text
        assert "<script" not in report.text
        missing = client.get("/v1/reports/batches/NO-SUCH-BATCH", headers=auditor)
        assert missing.status_code == 404
        assert missing.json()["error"]["type"] == "NotFound"
        backwards = client.get(
            "/v1/reports/period", params={"from": "2025-02-01", "to": "2025-01-01"}, headers=auditor
        )
        assert backwards.status_code == 422


def test_held_without_recipient_keys_then_released_once_keys_are_imported(
    tmp_path: Path, store_backend: str
) -> None:
    """A batch none of whose recipients has a valid key is decided but held (409, nothing in
    plaintext); once a key is imported, the administrator's run releases it, encrypted to
    that key alone, deciding nothing twice."""
    world = make_world(tmp_path, review_band=False)
    admin, requester = bearer(world.tokens["admin"]), bearer(world.tokens["requester"])
    ctx = world.context()
    revoke_recipient_key(
        ctx.store, ctx.ledger, SMITH_KEY.fingerprint, revoked_by="setup", reason="lost", now=NOW
    )
    with TestClient(create_app(ctx)) as client:
        url, status = _submitted_and_withheld(client, world, requester)
        assert client.get(f"{url}/response", headers=requester).status_code == 409
        assert not list(tmp_path.rglob("*.response.csv"))
        assert not list(tmp_path.rglob("*.package.zip"))

        new_key = replace(SMITH_KEY, public_key=OTHER_PUBLIC_KEY)
        import_recipient_keys(ctx.store, ctx.ledger, [new_key], imported_by="setup", now=NOW)
        again = client.post(f"/v1/admin/batches/{status['batch_id']}/run", headers=admin)
        assert again.status_code == 202, again.text
        status = _wait(client, url, requester)
        assert status["status"] == "completed"
        assert status["released"] is True
        package = client.get(f"{url}/response", headers=requester).content
        assert plaintext_of(package, OTHER_IDENTITY).startswith(b"request_id,")
        with pytest.raises(PackageError):
            plaintext_of(package)  # the revoked key's holder cannot open it
    kinds = [json.loads(bytes(e))["kind"] for e in _ledger_entries(ctx)]
    assert kinds.count("response_withheld") == 1
    assert kinds.count("batch_completed") == 1  # decided once
    assert kinds.count("response_released") == 1
