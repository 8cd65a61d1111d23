"""Input that used to end in a server error, and what the service tells or keeps (issue 22,
defects 4 and 9; defect 8 is in test_agency_scope.py): each answered in the one error shape, on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from tests.intake.batch_factory import make_batch

from ivs.domain.ids import BatchKey
from ivs.formats import file_sha256
from ivs.service import create_app

from .world import OTHER_AGENCY, World, bearer, make_world, upload


@pytest.fixture
def world(tmp_path: Path, store_backend: str) -> World:
    del store_backend  # the world's store is SQLite or PostgreSQL, per IVS_DATABASE_URL
    return make_world(tmp_path, review_band=False)


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert set(body) == {"type", "status", "message", "problems"}
    assert body["status"] == status
    return body


def _submit(client: TestClient, world: World, manifest: bytes, records: tuple[str, bytes]) -> Any:
    files = {
        "manifest": ("batch.manifest.json", manifest, "application/json"),
        "records": (records[0], records[1], "text/csv"),
    }
    return client.post("/v1/batches", files=files, headers=bearer(world.tokens["requester"]))


def test_numbers_past_the_stores_integers_are_refused(world: World) -> None:
    with TestClient(create_app(world.context(), run_worker=False)) as client:
        reviewer = bearer(world.tokens["reviewer"])
        for path in ("/v1/review/99999999999999999999", "/v1/review/2147483648"):
            _error(client.get(path, headers=reviewer), 422)
        for path in ("/review/99999999999999999999", "/review/2147483648"):
            page = client.get(path, headers=reviewer)
            assert page.status_code == 422
            assert "text/html" in page.headers["content-type"]
        auditor = bearer(world.tokens["auditor"])
        for path in (
            "/v1/reports/annual?year=9999",
            "/v1/reports/period?from=9999-01-01&to=9999-12-31",
            "/v1/accounting/annual?year=9999",
        ):
            assert client.get(path, headers=auditor).status_code == 200, path
        _error(client.get("/v1/reports/annual?year=10000", headers=auditor), 422)


def test_batch_ids_the_store_cannot_hold_are_refused(world: World, tmp_path: Path) -> None:
    with TestClient(create_app(world.context(), run_worker=False)) as client:
        requester = bearer(world.tokens["requester"])
        for batch_id in ("B" * 201, "A\x00B", "A\nB"):
            quoted = quote(batch_id, safe="")
            for path in (f"/v1/batches/{quoted}", f"/v1/batches/{quoted}/response"):
                _error(client.get(path, headers=requester), 422)
            page = client.get(f"/batches/{quoted}", headers=requester)
            assert page.status_code == 422
            # The batch's report refuses it alike, for the auditor who may read reports.
            auditor = bearer(world.tokens["auditor"])
            _error(client.get(f"/v1/reports/batches/{quoted}", headers=auditor), 422)
            _error(client.get(f"/v1/reports/batches/B?agency={quoted}", headers=auditor), 422)
            batch = make_batch(tmp_path / str(abs(hash(batch_id))), batch_id=batch_id)
            refused = _submit(
                client,
                world,
                batch.manifest.read_bytes(),
                (batch.records.name, batch.records.read_bytes()),
            )
            body = _error(refused, 422)
            assert body["type"] == "BatchRejected"
            assert "batch_id" in body["problems"][0]
        admin = bearer(world.tokens["admin"])
        _error(client.post("/v1/admin/batches/A%00B/run", headers=admin), 422)
        _error(client.delete("/v1/admin/users/A%00B", headers=admin), 422)
        roster = json.loads(world.batch.signers.read_text())
        roster["signers"][0]["name"] += "\x00"
        _error(client.put("/v1/admin/signers", json=roster, headers=admin), 422)
        # A failed authentication on such a path goes on the access record, NUL written out.
        _error(client.get("/v1/batches/A%00B", headers=bearer("ivs_bad")), 401)
        _error(client.post("/v1/batches/A%00B", headers=bearer("ivs_bad")), 401)
        reviewer = bearer(world.tokens["reviewer"])
        nul = {"decision": "approve", "reason": "fine\x00"}
        _error(client.post("/v1/review/1", json=nul, headers=reviewer), 422)


def test_a_manifest_count_of_thousands_of_digits(world: World) -> None:
    raw = json.loads(world.batch.manifest.read_text())
    text = json.dumps(raw).replace(f'"count": {raw["records"]["count"]}', '"count": ' + "9" * 5001)
    assert "9" * 5001 in text
    with TestClient(create_app(world.context(), run_worker=False)) as client:
        records = (world.batch.records.name, world.batch.records.read_bytes())
        body = _error(_submit(client, world, text.encode(), records), 422)
        assert body["type"] == "BatchRejected"


def test_records_nested_ten_thousand_deep(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "deep"
    folder.mkdir()
    records = folder / "B.records.jsonl"
    records.write_text("[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    batch = make_batch(
        tmp_path / "deep-batch",
        records={"file": records.name, "sha256": file_sha256(records), "count": 1},
    )
    with TestClient(create_app(world.context(), run_worker=False)) as client:
        answer = _submit(
            client, world, batch.manifest.read_bytes(), (records.name, records.read_bytes())
        )
        body = _error(answer, 422)
        assert "nested too deeply" in body["message"]
        # No server path in what the requester is told: the file by its own name only.
        assert str(world.home) not in answer.text
        assert str(world.home.resolve()) not in answer.text
        assert "B.records.jsonl, line 1" in body["message"]


def test_the_same_batch_submitted_twice_at_once(world: World) -> None:
    statuses: list[int] = []
    with TestClient(create_app(world.context(), run_worker=False)) as client:

        def submit() -> None:
            answer = client.post(
                "/v1/batches", files=upload(world.batch), headers=bearer(world.tokens["requester"])
            )
            statuses.append(answer.status_code)
            if answer.status_code != 202:
                _error(answer, 409)

        threads = [threading.Thread(target=submit) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [202] + [409] * 7


def test_another_agency_learns_nothing_of_a_batch_id(world: World) -> None:
    with TestClient(create_app(world.context(), run_worker=False)) as client:
        assert (
            client.post(
                "/v1/batches", files=upload(world.batch), headers=bearer(world.tokens["requester"])
            ).status_code
            == 202
        )
        other = bearer(world.tokens["other-requester"])
        seen = client.get("/v1/batches/TEST-2025-06-27-A", headers=other)
        never = client.get("/v1/batches/NEVER-SUBMITTED", headers=other)
        assert _error(seen, 404)["message"].replace("TEST-2025-06-27-A", "X") == _error(never, 404)[
            "message"
        ].replace("NEVER-SUBMITTED", "X")
        assert OTHER_AGENCY != "DHS-ICE"


def test_submitted_at_has_a_freshness_window(world: World, tmp_path: Path) -> None:
    # The world's clock is 2025-06-28T12:00Z; the window 168 hours, 10 minutes of skew.
    with TestClient(create_app(world.context(), run_worker=False)) as client:
        for when, why in (
            ("2025-06-20T11:59:00Z", "hours before its receipt"),
            ("2025-06-28T12:11:00Z", "after its receipt"),
        ):
            batch = make_batch(tmp_path / when[:13], submitted_at=when)
            answer = _submit(
                client,
                world,
                batch.manifest.read_bytes(),
                (batch.records.name, batch.records.read_bytes()),
            )
            assert why in _error(answer, 422)["problems"][0]


def test_the_home_the_store_and_uploads_are_private(tmp_path: Path) -> None:
    """Whatever the umask: $IVS_HOME 0700, the SQLite store 0600, each upload's folder 0700.
    (Every other file, response files included, is private by the umask `ivs` sets: checked
    on a real `ivs serve` in test_crash.py.)"""
    os.umask(0o022)
    world = make_world(tmp_path, review_band=False)
    with TestClient(create_app(world.context(), run_worker=False)) as client:
        accepted = client.post(
            "/v1/batches", files=upload(world.batch), headers=bearer(world.tokens["requester"])
        )
        assert accepted.status_code == 202
    assert stat.S_IMODE(world.home.stat().st_mode) == 0o700
    assert stat.S_IMODE((world.home / "ivs.sqlite3").stat().st_mode) == 0o600
    uploads = world.home / "service" / "batches"
    for folder in (world.home / "service", uploads, *uploads.iterdir()):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_batch_ids_are_quoted_in_log_lines(world: World, caplog: pytest.LogCaptureFixture) -> None:
    from ivs.service.jobs import run_recorded

    ctx = world.context()
    with caplog.at_level(logging.WARNING, logger="ivs.service"):
        # A job whose manifest is gone: the run stops, and says so in one line.
        from ivs.store.service_tables import service_jobs

        with ctx.store.begin() as conn:
            conn.execute(
                service_jobs.insert().values(
                    batch_id="X\nforged line",
                    agency="DHS-ICE",
                    submitted_by="requester",
                    manifest_path=str(world.home / "missing.manifest.json"),
                    out_dir=str(world.home / "out"),
                    record_count=1,
                    status="queued",
                    submitted_at="2025-06-28T12:00:00+00:00",
                )
            )
        run_recorded(
            ctx.settings, ctx.store, BatchKey("DHS-ICE", "X\nforged line"), world.master, None
        )
    lines = [r.getMessage() for r in caplog.records]
    assert lines
    assert all("\n" not in line for line in lines), lines
