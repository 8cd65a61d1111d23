"""End to end over HTTP against a real Uvicorn server: submit the small world's signed batch,
watch its progress, fetch the response, and check the ledger's record of it as an auditor;
then a service restart that resumes the batches left unfinished."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from tests.batch.small_world import REQUESTS
from tests.intake.batch_factory import make_batch
from tests.recipients import opened_response

from ivs.ledger.keys import ledger_key_path
from ivs.ledger.proof_documents import check_proof_document
from ivs.service import create_app
from ivs.store.service_tables import service_jobs

from .world import bearer, make_world, running_server, upload


def _poll(client: httpx.Client, url: str, token: str) -> tuple[dict[str, object], set[str]]:
    seen: set[str] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(url, headers=bearer(token)).json()
        seen.add(str(status["status"]))
        if status["status"] not in ("queued", "running"):
            return status, seen
        time.sleep(0.02)
    raise AssertionError(f"batch did not finish: {status}")


def _entries(client: httpx.Client, token: str) -> list[dict[str, object]]:
    size = client.get("/v1/ledger/head", headers=bearer(token)).json()["size"]
    return [
        client.get(f"/v1/ledger/entries/{i}/proof", headers=bearer(token)).json()
        for i in range(size)
    ]


def test_submit_poll_fetch_and_prove(tmp_path: Path) -> None:
    world = make_world(tmp_path, review_band=False)
    requester, auditor = world.tokens["requester"], world.tokens["auditor"]
    with (
        running_server(create_app(world.context(processes=True))) as base,
        httpx.Client(base_url=base, timeout=60) as c,
    ):
        accepted = c.post("/v1/batches", files=upload(world.batch), headers=bearer(requester))
        assert accepted.status_code == 202, accepted.text
        status_url = accepted.json()["status_url"]
        assert status_url == "/v1/batches/TEST-2025-06-27-A"
        early = c.get(f"{status_url}/response", headers=bearer(requester))
        assert early.status_code in (409, 200)  # 409 until released; a fast run may be done

        status, seen = _poll(c, status_url, requester)
        assert status["status"] == "completed"
        assert status["released"] is True
        assert int(str(status["steps_done"])) >= 5  # progress was reported step by step
        assert seen & {"queued", "running"}
        outcomes = {o: sum(1 for _, x, _ in REQUESTS if x == o) for _, o, _ in REQUESTS}
        assert status["outcomes"] == outcomes

        page = c.get("/batches/TEST-2025-06-27-A/progress", headers=bearer(requester))
        assert page.status_code == 200
        assert "completed" in page.text
        assert "hx-trigger" not in page.text  # a finished batch stops polling

        fetched = c.get(f"{status_url}/response", headers=bearer(requester))
        assert fetched.status_code == 200
        assert fetched.headers["content-type"] == "application/zip"
        package = tmp_path / "TEST-2025-06-27-A.package.zip"
        package.write_bytes(fetched.content)
        rows = opened_response(package, tmp_path / "opened").to_pylist()
        assert [(r["request_id"], r["outcome"]) for r in rows] == [
            (r["request_id"], o) for r, o, _ in REQUESTS
        ]

        public_key = bytes.fromhex(
            Path(f"{ledger_key_path(world.settings)}.pub").read_text(encoding="ascii").strip()
        )
        documents = _entries(c, auditor)
        for document in documents:
            check_proof_document(document, public_key)
        entries = [json.loads(str(d["entry"])) for d in documents]
        kinds = [e["kind"] for e in entries]
        # Every disclosure in the response is on the ledger, provably, naming the requester.
        disclosed = {r["request_id"] for r in rows if r["outcome"] == "DISCLOSED"}
        disclosures = [e["body"] for e in entries if e["kind"] == "disclosure"]
        assert {d["request_id"] for d in disclosures} == disclosed
        assert all(d["recipient_agency"] == "DHS-ICE" for d in disclosures)
        first = next(i for i, e in enumerate(entries) if e["kind"] == "disclosure")
        checked = check_proof_document(documents[first], public_key)
        assert any(f"entry {first} is in the tree" in line for line in checked)
        # The accounting of one disclosed taxpayer names the batch and the entry.
        tin = disclosures[0]["tin"]
        lines = c.get("/v1/accounting", params={"tin": tin}, headers=bearer(auditor)).json()
        assert first in [x["disclosure_entry"] for x in lines]
        assert {x["batch_id"] for x in lines} == {"TEST-2025-06-27-A"}
        fetch = [e for e in entries if e["kind"] == "response_fetched"]
        assert fetch
        assert fetch[-1]["body"] == {
            "batch_id": "TEST-2025-06-27-A",
            "user": "requester",
            "agency": "DHS-ICE",
            "package_sha256": hashlib.sha256(fetched.content).hexdigest(),
        }
        assert "signers_changed" in kinds
        assert kinds.count("user_changed") == 7  # six users added, one revoked


def test_a_restart_resumes_unfinished_batches(tmp_path: Path, store_backend: str) -> None:
    world = make_world(tmp_path, review_band=False)
    second = make_batch(
        tmp_path / "second", [r for r, _, _ in REQUESTS], batch_id="TEST-2025-06-27-B"
    )
    requester = world.tokens["requester"]
    # A service whose worker never runs: both batches are accepted and left unfinished.
    with (
        running_server(create_app(world.context(), run_worker=False)) as base,
        httpx.Client(base_url=base, timeout=60) as c,
    ):
        for batch in (world.batch, second):
            accepted = c.post("/v1/batches", files=upload(batch), headers=bearer(requester))
            assert accepted.status_code == 202, accepted.text
    ctx = world.context()
    with ctx.store.begin() as conn:
        # As a crash mid-run leaves it.
        conn.execute(
            service_jobs.update()
            .where(service_jobs.c.batch_id == "TEST-2025-06-27-B")
            .values(status="running", step="generating and scoring candidates", steps_done=7)
        )
    with (
        running_server(create_app(world.context())) as base,
        httpx.Client(base_url=base, timeout=60) as c,
    ):
        for batch_id in ("TEST-2025-06-27-A", "TEST-2025-06-27-B"):
            status, _ = _poll(c, f"/v1/batches/{batch_id}", requester)
            assert status["status"] == "completed", status
            assert status["released"] is True
            response = c.get(f"/v1/batches/{batch_id}/response", headers=bearer(requester))
            assert response.status_code == 200
    with ctx.store.connect() as conn:
        states = conn.execute(sa.select(service_jobs.c.status)).scalars().all()
    assert states == ["completed", "completed"]
