"""The whole authorization matrix: every endpoint × every caller (each role, own and other
agency, no token, an invalid token, a revoked token), each with the status it must get."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute

from ivs.disclose.holds import place_hold
from ivs.service.app import ROUTERS
from ivs.service.users import add_user
from ivs.store.service_tables import service_access

from .conftest import Served
from .world import NOW, upload

pytestmark = pytest.mark.xdist_group("service-matrix")

CALLERS = (
    "none",
    "invalid",
    "revoked",
    "requester",
    "other-requester",
    "reviewer",
    "auditor",
    "admin",
)
ROLE_OF = {
    "requester": "requester",
    "other-requester": "requester",
    "reviewer": "reviewer",
    "auditor": "auditor",
    "admin": "admin",
}
INVALID_TOKEN = "ivs_0123456789abcdef_" + "A" * 43

Request = dict[str, Any]


def _nothing(_s: Served) -> Request:
    return {}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {batch}, {case}, {case2}, {user} are filled in per call
    allowed: frozenset[str]
    ok: int
    other_agency: int | None = None  # status for a requester of another agency, when allowed
    request: Callable[[Served], Request] = field(default=_nothing)
    web: bool = False


def _temp_user(s: Served) -> str:
    name = f"temp-{uuid.uuid4().hex[:12]}"
    ctx = s.app.state.context
    add_user(ctx.store, name, "auditor", agency=None, changed_by="test", now=NOW, ledger=ctx.ledger)
    return name


def _temp_hold(s: Served) -> str:
    ctx = s.app.state.context
    hold = place_hold(
        ctx.store, ctx.ledger, scope="state:WY", order="Matrix v. Test", placed_by="test", now=NOW
    )
    return hold.hold_id


def _roster(s: Served) -> Request:
    return {"json": json.loads(s.world.batch.signers.read_text(encoding="utf-8"))}


REQUESTER = frozenset({"requester"})
STATUS_READERS = frozenset({"requester", "auditor", "admin"})
REVIEWER = frozenset({"reviewer"})
AUDITOR = frozenset({"auditor"})
ADMIN = frozenset({"admin"})

ENDPOINTS = (
    # The same signed batch again: accepted by authorization, refused as already submitted.
    Endpoint(
        "POST",
        "/v1/batches",
        REQUESTER,
        409,
        other_agency=403,
        request=lambda s: {"files": upload(s.world.batch)},
    ),
    Endpoint("GET", "/v1/batches", STATUS_READERS, 200, other_agency=200),
    Endpoint("GET", "/v1/batches/{batch}", STATUS_READERS, 200, other_agency=404),
    Endpoint("GET", "/v1/batches/{batch}/response", REQUESTER, 200, other_agency=404),
    Endpoint("GET", "/v1/review", REVIEWER, 200),
    Endpoint("GET", "/v1/review/{case}", REVIEWER, 200),
    Endpoint(
        "POST",
        "/v1/review/{case}",
        REVIEWER,
        200,
        request=lambda _s: {"json": {"decision": "refuse", "reason": "matrix test"}},
    ),
    Endpoint("GET", "/v1/ledger/head", AUDITOR, 200),
    Endpoint("POST", "/v1/ledger/head", AUDITOR, 200),
    Endpoint("GET", "/v1/ledger/entries/{entry}/proof", AUDITOR, 200),
    Endpoint("GET", "/v1/ledger/consistency?from=1", AUDITOR, 200),
    Endpoint("GET", "/v1/admin/users", ADMIN, 200),
    Endpoint(
        "POST",
        "/v1/admin/users",
        ADMIN,
        201,
        request=lambda _s: {"json": {"name": f"new-{uuid.uuid4().hex[:12]}", "role": "reviewer"}},
    ),
    Endpoint("DELETE", "/v1/admin/users/{user}", ADMIN, 200),
    Endpoint("GET", "/v1/admin/signers", ADMIN, 200),
    Endpoint("PUT", "/v1/admin/signers", ADMIN, 200, request=_roster),
    Endpoint("GET", "/v1/accounting?tin=123456789", AUDITOR, 200),
    Endpoint("GET", "/v1/accounting/annual?year=2025", AUDITOR, 200),
    Endpoint("GET", "/v1/reports/batches/{batch}", AUDITOR, 200),
    Endpoint("GET", "/v1/reports/period?from=2025-01-01&to=2026-12-31", AUDITOR, 200),
    Endpoint("GET", "/v1/reports/annual?year=2025", AUDITOR, 200),
    Endpoint("GET", "/v1/admin/holds", ADMIN, 200),
    Endpoint(
        "POST",
        "/v1/admin/holds",
        ADMIN,
        201,
        request=lambda _s: {"json": {"scope": "state:WY", "order": "Doe v. Roe, 1:25-cv-1"}},
    ),
    Endpoint(
        "POST",
        "/v1/admin/holds/{hold}/lift",
        ADMIN,
        200,
        request=lambda _s: {"json": {"order": "Doe v. Roe, order lifting"}},
    ),
    Endpoint("GET", "/v1/admin/safeguards", ADMIN, 200),
    Endpoint("GET", "/v1/admin/safeguards/DHS-CBP", ADMIN, 200),
    Endpoint(
        "PUT",
        "/v1/admin/safeguards/DHS-CBP",
        ADMIN,
        200,
        request=lambda _s: {"json": {"open_findings": 0, "note": "matrix review"}},
    ),
    # Completed and released already: accepted by authorization, refused as nothing to run.
    Endpoint("POST", "/v1/admin/batches/{batch}/run", ADMIN, 409),
    Endpoint("GET", "/v1/admin/pilot", ADMIN, 200),
    Endpoint(
        "POST",
        "/v1/admin/pilot",
        ADMIN,
        200,
        request=lambda _s: {
            "json": {"action": "enable", "state": "TX", "zip3": None, "effective": "2025-01-01"}
        },
    ),
    # Web pages: the same rules; without a session a page sends the browser to sign in.
    Endpoint("GET", "/review", REVIEWER, 200, web=True),
    Endpoint("GET", "/review/{case}", REVIEWER, 200, web=True),
    Endpoint(
        "POST",
        "/review/{case2}",
        REVIEWER,
        303,
        request=lambda _s: {"data": {"decision": "approve", "reason": "matrix test, web"}},
        web=True,
    ),
    Endpoint("GET", "/batches", STATUS_READERS, 200, other_agency=200, web=True),
    Endpoint("GET", "/batches/{batch}", STATUS_READERS, 200, other_agency=404, web=True),
    Endpoint("GET", "/batches/{batch}/progress", STATUS_READERS, 200, other_agency=404, web=True),
    Endpoint("GET", "/audit", AUDITOR, 200, web=True),
    Endpoint("GET", "/audit/proof?index=0", AUDITOR, 200, web=True),
    Endpoint("GET", "/audit/accounting?tin=123456789", AUDITOR, 200, web=True),
)
# Reachable by anyone by design: signing in and out, the start page, the API description.
PUBLIC = {("GET", "/"), ("GET", "/signin"), ("POST", "/signin"), ("POST", "/signout")}


def expected(endpoint: Endpoint, caller: str) -> int:
    if caller in {"none", "invalid", "revoked"}:
        return 303 if endpoint.web and endpoint.method == "GET" else 401
    if ROLE_OF[caller] not in endpoint.allowed:
        return 403
    if caller == "other-requester" and endpoint.other_agency is not None:
        return endpoint.other_agency
    return endpoint.ok


def headers_for(served: Served, caller: str) -> dict[str, str]:
    if caller == "none":
        return {}
    token = INVALID_TOKEN if caller == "invalid" else served.world.tokens[caller]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("endpoint", "caller"),
    list(itertools.product(ENDPOINTS, CALLERS)),
    ids=[f"{e.method} {e.path} as {c}" for e, c in itertools.product(ENDPOINTS, CALLERS)],
)
def test_matrix(served: Served, endpoint: Endpoint, caller: str) -> None:
    path = endpoint.path.format(
        batch=served.batch_id,
        case=served.case_ids[0],
        case2=served.case_ids[1],
        entry=0,
        user=_temp_user(served) if "{user}" in endpoint.path else "",
        hold=_temp_hold(served) if "{hold}" in endpoint.path else "",
    )
    response = served.client.request(
        endpoint.method,
        path,
        headers=headers_for(served, caller),
        follow_redirects=False,
        **endpoint.request(served),
    )
    want = expected(endpoint, caller)
    assert response.status_code == want, (
        f"{endpoint.method} {path} as {caller}: {response.status_code} {response.text[:300]}"
    )
    if not endpoint.web and want >= 400:
        error = response.json()["error"]
        assert error["status"] == want
        assert error["message"]
    if want == 303 and caller in {"none", "invalid", "revoked"}:
        assert response.headers["location"] == "/signin"


def test_the_matrix_names_every_route(served: Served) -> None:
    routes = {
        (method, route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    covered = {(e.method, e.path.split("?")[0]) for e in ENDPOINTS} | PUBLIC
    named = {(m, p.replace("{case2}", "{case}").replace("{entry}", "{index}")) for m, p in covered}
    placeholders = {
        "{batch}": "{batch_id}",
        "{case}": "{case_id}",
        "{user}": "{name}",
        "{hold}": "{hold_id}",
        "DHS-CBP": "{agency}",
    }
    normalised = set()
    for method, path in named:
        renamed = path
        for ours, theirs in placeholders.items():
            renamed = renamed.replace(ours, theirs)
        normalised.add((method, renamed))
    assert routes == normalised


def test_another_agency_cannot_tell_a_batch_exists(served: Served) -> None:
    other = {"Authorization": f"Bearer {served.world.tokens['other-requester']}"}
    real = served.client.get(f"/v1/batches/{served.batch_id}/response", headers=other).json()
    made_up = served.client.get("/v1/batches/NO-SUCH-BATCH/response", headers=other).json()
    assert real["error"]["message"].replace(served.batch_id, "X") == made_up["error"][
        "message"
    ].replace("NO-SUCH-BATCH", "X")


def test_authentication_failures_are_recorded(served: Served) -> None:
    served.client.get("/v1/ledger/head", headers={"Authorization": f"Bearer {INVALID_TOKEN}"})
    with served.app.state.context.store.connect() as conn:
        rows = conn.execute(
            sa.select(service_access).where(service_access.c.what.like("authentication failed%"))
        ).all()
    assert any(r.path == "/v1/ledger/head" and r.status == 401 for r in rows)
    assert all(INVALID_TOKEN not in r.what for r in rows)
