"""A service world shared by the tests of one module (building it runs a batch)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from .world import World, bearer, create_app, make_world, upload


@dataclass
class Served:
    world: World
    app: FastAPI
    client: TestClient
    batch_id: str
    case_ids: list[int]


def wait_for(client: TestClient, url: str, token: str, timeout: float = 120.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        status: dict[str, object] = client.get(url, headers=bearer(token)).json()
        if status["status"] not in ("queued", "running"):
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"batch still {status['status']} after {timeout}s: {status}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The small world's batch submitted through the API and run to completion."""
    world = make_world(tmp_path_factory.mktemp("service"))
    app = create_app(world.context())
    with TestClient(app) as client:
        accepted = client.post(
            "/v1/batches", files=upload(world.batch), headers=bearer(world.tokens["requester"])
        )
        assert accepted.status_code == 202, accepted.text
        body = accepted.json()
        status = wait_for(client, body["status_url"], world.tokens["requester"])
        assert status["status"] == "completed", status
        cases = client.get("/v1/review", headers=bearer(world.tokens["reviewer"])).json()
        assert len(cases) >= 3
        yield Served(world, app, client, body["batch_id"], [c["case_id"] for c in cases])
