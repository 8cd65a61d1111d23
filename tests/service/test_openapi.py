"""schemathesis against /openapi.json: generated requests for every operation, as every role;
no answer is a server error and every answer matches the document."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from ivs.service import create_app

from .world import bearer, make_world, upload

pytestmark = pytest.mark.xdist_group("service-openapi")

CALLS: Counter[str] = Counter()
App = tuple[FastAPI, dict[str, str]]
ROLES = ("requester", "reviewer", "auditor", "admin")
EXAMPLES = 4
# What the document promises: no server error; every status, content type, header and body as
# documented. (Whether a schema-valid batch is *lawful* is intake's to say, not the schema's.)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def openapi_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    world = make_world(tmp_path_factory.mktemp("openapi"))
    app = create_app(world.context())
    with TestClient(app) as client:
        # One batch run to completion, so that the review and batch operations have data.
        client.post(
            "/v1/batches", files=upload(world.batch), headers=bearer(world.tokens["requester"])
        )
        app.state.worker.idle.wait(120)
        yield app, world.tokens


@pytest.fixture(scope="module")
def api_schema(openapi_app: App) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", openapi_app[0])


def test_api_answers_as_documented(api_schema: schemathesis.BaseSchema, openapi_app: App) -> None:
    """Each generated request is sent as every role: the one allowed reaches the operation's
    logic, the others its refusal; no answer may be a server error or differ from the document.
    """
    tokens = openapi_app[1]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: schemathesis.Case) -> None:
            for role in ROLES:
                CALLS[case.operation.label] += 1
                case.call_and_validate(headers=bearer(tokens[role]), checks=CHECKS)

        exercise()
    assert sum(CALLS.values()) >= 300, CALLS


def _web_schema(app: FastAPI) -> dict[str, object]:
    """The web pages' routes as an OpenAPI document of their own (the service's document
    leaves them out: they are pages, not API)."""
    from fastapi.openapi.utils import get_openapi
    from fastapi.routing import APIRoute

    from ivs.service import web

    routes = []
    for route in web.router.routes:
        assert isinstance(route, APIRoute)
        shown = copy.copy(route)
        shown.include_in_schema = True
        routes.append(shown)
    return get_openapi(title="ivs web pages", version="1", routes=routes)


def test_web_pages_never_fail_with_a_server_error(openapi_app: App) -> None:
    """The pages, generated the same way as the API's requests and sent as every role (and,
    for changes, from our own origin, as a browser would): no answer is a server error."""
    app, tokens = openapi_app
    schema = _web_schema(app)
    app.add_api_route("/test-web-openapi.json", lambda: schema, include_in_schema=False)
    pages = schemathesis.openapi.from_asgi("/test-web-openapi.json", app)
    operations = [result.ok() for result in pages.get_all_operations()]
    assert len(operations) >= 12
    calls: Counter[str] = Counter()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: schemathesis.Case) -> None:
            for role in ROLES:
                calls[case.operation.label] += 1
                headers = {**bearer(tokens[role]), "Origin": "http://localhost"}
                case.call_and_validate(headers=headers, checks=[checks.not_a_server_error])

        exercise()
    assert sum(calls.values()) >= 150, calls
