"""Fuzzing every route, API and web pages alike: path segments, query strings and bodies of
any shape (numbers past every integer type, NUL and control characters, long text), sent with
and without credentials. Nothing may answer with a server error, and every API error has the
documented shape."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivs.service import create_app
from ivs.service.app import ROUTERS
from ivs.store import close_stores

from .world import bearer, make_world, upload

pytestmark = pytest.mark.xdist_group("service-fuzz")

EDGES = [
    "0",
    "-1",
    "2147483647",
    "2147483648",
    "9223372036854775808",
    "9" * 40,
    "9" * 5001,
    "A\x00B",
    "\n",
    "..",
    "%",
    "B" * 201,
    "TEST-2025-06-27-A",
    "1e308",
    "NaN",
    "\u202e",
    "",
]
values = st.one_of(st.sampled_from(EDGES), st.text(max_size=60), st.integers().map(str))
QUERY = ["year", "from", "to", "tin", "index", "status", "form", "x"]
FIELDS = ["decision", "reason", "name", "role", "scope", "order", "expires_at", "note", "token"]
EXAMPLES = 10
Fuzzed = tuple[FastAPI, dict[str, str], TestClient]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    """A service with one batch run, on SQLite, then on PostgreSQL in a schema of its own
    (which refuses what SQLite lets by, such as NUL)."""
    with pytest.MonkeyPatch.context() as env:
        schema = None
        if request.param == "postgresql":
            url: str = request.getfixturevalue("postgres_url")
            schema = f"ivs_fuzz_{uuid.uuid4().hex[:12]}"
            admin = sa.create_engine(url)
            with admin.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            env.setenv("IVS_DATABASE_URL", f"{url}?options=-csearch_path%3D{schema}")
        try:
            world = make_world(tmp_path_factory.mktemp("fuzz"))
            assert (world.settings.database_url is not None) == (schema is not None)
            app = create_app(world.context())
            with TestClient(app, raise_server_exceptions=False) as client:
                client.post(
                    "/v1/batches",
                    files=upload(world.batch),
                    headers=bearer(world.tokens["requester"]),
                )
                app.state.worker.idle.wait(120)
                yield app, world.tokens, client
        finally:
            if schema is not None:
                close_stores()
                with admin.begin() as conn:
                    conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                admin.dispose()


def _routes() -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    )


def _fuzz(client: TestClient, tokens: dict[str, str], method: str, template: str) -> int:
    """Send EXAMPLES generated requests to one route; returns how many were sent."""
    sent = 0

    @given(
        segments=st.lists(values, min_size=3, max_size=3),
        query=st.dictionaries(st.sampled_from(QUERY), values, max_size=3),
        body=st.one_of(st.none(), st.dictionaries(st.sampled_from(FIELDS), values, max_size=4)),
        caller=st.sampled_from([None, "requester", "reviewer", "auditor", "admin", "revoked"]),
    )
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def exercise(
        segments: list[str], query: dict[str, str], body: dict[str, str] | None, caller: str | None
    ) -> None:
        nonlocal sent
        fill = iter(segments)
        path = re.sub(r"\{[^}]+\}", lambda _m: quote(next(fill), safe=""), template)
        url = path + ("?" + urlencode(query) if query else "")
        headers = {"Origin": "http://testserver"}
        if caller is not None:
            headers.update(bearer(tokens[caller]))
        sent += 1
        response = client.request(method, url, headers=headers, json=body, follow_redirects=False)
        assert response.status_code < 500, (method, url, body, response.text[:300])
        if path.startswith("/v1/") and response.status_code >= 400:
            assert response.headers["content-type"] == "application/json", (
                method,
                url,
                response.status_code,
                response.text[:300],
            )
            error = response.json()["error"]
            assert set(error) == {"type", "status", "message", "problems"}
            assert error["status"] == response.status_code

    exercise()
    return sent


def test_no_route_answers_with_a_server_error(fuzzed: Fuzzed) -> None:
    _app, tokens, client = fuzzed
    routes = _routes()
    assert len(routes) >= 40
    sent = Counter(
        {template: _fuzz(client, tokens, method, template) for method, template in routes}
    )
    assert min(sent.values()) >= EXAMPLES // 2, sent
