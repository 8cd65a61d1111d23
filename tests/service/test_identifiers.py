"""A signed batch whose id names a path, submitted through the API: refused, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.intake.batch_factory import make_batch

from .world import bearer, create_app, make_world, upload


@pytest.mark.parametrize("kind", ["absolute", "parent", "nested", "nul", "long"])
def test_a_batch_id_that_names_a_path_is_refused(
    tmp_path: Path, kind: str, store_backend: str
) -> None:
    world = make_world(tmp_path / "w")
    victim = tmp_path / "victim"
    batch_id = {
        "absolute": str(victim / "x"),
        "parent": "../../..",
        "nested": "a/b",
        "nul": "B\x001",
        "long": "B" * 201,
    }[kind]
    batch = make_batch(tmp_path / "b", batch_id=batch_id)
    with TestClient(create_app(world.context())) as client:
        answer = client.post(
            "/v1/batches", files=upload(batch), headers=bearer(world.tokens["requester"])
        )
        listed = client.get("/v1/batches", headers=bearer(world.tokens["requester"])).json()
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["type"] == "BatchRejected"
    assert any("batch_id" in p and "not a valid identifier" in p for p in error["problems"])
    assert listed == []  # nothing queued
    assert not victim.exists()
    assert not (world.home / "work" / "a").exists()
    assert not list(world.home.rglob("decisions.arrow"))
    assert not list(world.home.rglob("*.response.csv"))
    assert not list(world.home.rglob("*.package.zip"))


def test_a_lookup_by_an_id_that_cannot_exist_is_not_found(
    tmp_path: Path, store_backend: str
) -> None:
    world = make_world(tmp_path / "w")
    with TestClient(create_app(world.context())) as client:
        for batch_id in ("..%2F..", "%E2%80%AE"):
            for path in (f"/v1/batches/{batch_id}", f"/v1/batches/{batch_id}/response"):
                answer = client.get(path, headers=bearer(world.tokens["requester"]))
                assert answer.status_code == 404, (path, answer.text)
                assert answer.json()["error"]["type"] == "NotFound"
        # Past the store's 200 characters, or holding a control character: refused by the
        # route's own form, whether or not any batch exists (422, never a store error).
        for batch_id in ("B%001", "B" * 300):
            for path in (f"/v1/batches/{batch_id}", f"/v1/batches/{batch_id}/response"):
                answer = client.get(path, headers=bearer(world.tokens["requester"]))
                assert answer.status_code == 422, (path, answer.text)
