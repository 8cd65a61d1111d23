"""Sessions that end, tokens that expire, callers known before a body is read, failed
authentications throttled, Origin on cookie-made changes, forwarded headers from trusted
proxies only (issue 22, defects 2, 6, 7 and 9)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from ivs.service import create_app, open_context
from ivs.service.gate import ForwardedFor
from ivs.service.users import add_user
from ivs.store.service_tables import service_access

from .world import GENEROUS, NOW, World, bearer, make_world

ORIGIN = {"Origin": "http://testserver"}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> Any:
        return self.now


def _app(world: World, clock: Clock) -> Any:
    ctx = open_context(world.settings, world.master, clock=clock, limits=GENEROUS)
    return create_app(ctx, run_worker=False)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path, review_band=False, session_minutes=30)


def _sign_in(client: TestClient, token: str) -> str:
    answer = client.post("/signin", data={"token": token}, headers=ORIGIN, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    cookie = answer.cookies["ivs_session"]
    assert cookie.startswith("ivss_")
    assert token not in cookie
    return cookie


def _with(cookie: str, **headers: str) -> dict[str, str]:
    return {"Cookie": f"ivs_session={cookie}", **headers}


def _page(client: TestClient, path: str, cookie: str) -> int:
    client.cookies.clear()
    return client.get(path, headers=_with(cookie), follow_redirects=False).status_code


def test_signing_out_ends_the_session_wherever_its_cookie_is_kept(world: World) -> None:
    with TestClient(_app(world, Clock())) as client:
        cookie = _sign_in(client, world.tokens["reviewer"])
        assert _page(client, "/review", cookie) == 200
        client.cookies.clear()
        out = client.post("/signout", headers=_with(cookie, **ORIGIN), follow_redirects=False)
        assert out.status_code == 303
        # The same cookie, replayed after sign-out, opens nothing.
        assert _page(client, "/review", cookie) == 303
        # Nor does the bearer token put in the cookie's place.
        assert _page(client, "/review", world.tokens["reviewer"]) == 303


def test_a_session_expires(world: World) -> None:
    clock = Clock()
    with TestClient(_app(world, clock)) as client:
        cookie = _sign_in(client, world.tokens["reviewer"])
        clock.now = NOW + timedelta(minutes=29)
        assert _page(client, "/review", cookie) == 200
        clock.now = NOW + timedelta(minutes=31)
        client.cookies.clear()
        answer = client.get("/review", headers=_with(cookie), follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/signin"
        assert 'ivs_session=""' in answer.headers["set-cookie"]  # the browser forgets it


def test_revoking_a_user_ends_its_sessions(world: World) -> None:
    with TestClient(_app(world, Clock())) as client:
        cookie = _sign_in(client, world.tokens["reviewer"])
        gone = client.delete("/v1/admin/users/reviewer", headers=bearer(world.tokens["admin"]))
        assert gone.status_code == 200
        assert _page(client, "/review", cookie) == 303


def test_a_token_expires(world: World) -> None:
    clock = Clock()
    ctx = open_context(world.settings, world.master, clock=clock)
    _, token = add_user(
        ctx.store,
        "temp-auditor",
        "auditor",
        agency=None,
        changed_by="test",
        now=NOW,
        ledger=ctx.ledger,
        expires_at=NOW + timedelta(days=1),
    )
    with TestClient(_app(world, clock)) as client:
        assert client.get("/v1/ledger/head", headers=bearer(token)).status_code == 200
        clock.now = NOW + timedelta(days=1)
        refused = client.get("/v1/ledger/head", headers=bearer(token))
        assert refused.status_code == 401
        assert "expired" in refused.json()["error"]["message"]
        listed = client.get("/v1/admin/users", headers=bearer(world.tokens["admin"])).json()
        assert {u["name"]: u["expires_at"] for u in listed}["temp-auditor"] == (
            "2025-06-29T12:00:00+00:00"
        )


def test_an_admin_sets_an_expiry_through_the_api(world: World) -> None:
    with TestClient(_app(world, Clock())) as client:
        admin = bearer(world.tokens["admin"])
        body = {"name": "short", "role": "auditor", "expires_at": "2025-07-01T00:00:00Z"}
        made = client.post("/v1/admin/users", json=body, headers=admin)
        assert made.status_code == 201, made.text
        assert made.json()["user"]["expires_at"] == "2025-07-01T00:00:00+00:00"
        body = {"name": "past", "role": "auditor", "expires_at": "2025-01-01T00:00:00Z"}
        assert client.post("/v1/admin/users", json=body, headers=admin).status_code == 422


def _asgi_post(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """POST ``path`` straight to the ASGI app with a 100 MB body offered chunk by chunk;
    returns the status and how many chunks the app asked for."""
    asked = 0
    messages: list[Message] = []

    async def receive() -> Message:
        nonlocal asked
        asked += 1
        return {"type": "http.request", "body": b"x" * (1 << 20), "more_body": asked < 100}

    async def send(message: Message) -> None:
        messages.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-length", b"104857600"), *headers],
        "client": ("10.1.2.3", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    return int(start["status"]), asked


def test_a_bad_token_is_refused_before_the_upload_is_read(world: World) -> None:
    app = _app(world, Clock())
    content = [(b"content-type", b"multipart/form-data; boundary=x")]
    for headers in (
        [],
        [(b"authorization", b"Bearer ivs_0000000000000000_" + b"A" * 43)],
        [(b"authorization", f"Bearer {world.tokens['revoked']}".encode())],
        [(b"cookie", b"ivs_session=ivss_" + b"B" * 43)],
    ):
        status, asked = _asgi_post(app, "/v1/batches", content + headers)
        assert (status, asked) == (401, 0)


def _failures(world: World) -> int:
    ctx = open_context(world.settings, world.master)
    with ctx.store.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).where(service_access.c.what.like("%authentication%"))
            ).scalar_one()
        )


def test_failed_sign_ins_are_throttled_and_recorded_a_bounded_number_of_times(
    tmp_path: Path,
) -> None:
    world = make_world(tmp_path, review_band=False, signin_failures_allowed=3)
    with TestClient(_app(world, Clock())) as client:
        statuses = [
            client.post("/signin", data={"token": f"wrong-{i}"}, headers=ORIGIN).status_code
            for i in range(40)
        ]
        assert statuses[:3] == [401, 401, 401]
        assert set(statuses[3:]) == {429}
        # Throttled, even the right token waits: the address is not tried further.
        right = client.post("/signin", data={"token": world.tokens["reviewer"]}, headers=ORIGIN)
        assert right.status_code == 429
        assert int(right.headers["retry-after"]) >= 1
        # The API's bearer failures count against the same address.
        assert client.get("/v1/ledger/head", headers=bearer("nonsense")).status_code == 429
    # Three failures, the last saying the address is throttled: not a row for each of the 41.
    assert _failures(world) == 3


def test_a_cookie_made_change_must_come_from_our_origin(world: World) -> None:
    with TestClient(_app(world, Clock())) as client:
        cookie = _sign_in(client, world.tokens["admin"])
        body = {"name": "via-cookie", "role": "auditor"}
        for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "null"}):
            client.cookies.clear()
            refused = client.post("/v1/admin/users", json=body, headers=_with(cookie, **headers))
            assert refused.status_code == 403, (headers, refused.text)
        client.cookies.clear()
        made = client.post("/v1/admin/users", json=body, headers=_with(cookie, **ORIGIN))
        assert made.status_code == 201, made.text
        # A bearer token is not sent by a browser on its own: no Origin needed.
        body = {"name": "via-token", "role": "auditor"}
        made = client.post("/v1/admin/users", json=body, headers=bearer(world.tokens["admin"]))
        assert made.status_code == 201


def _seen_client(trusted: tuple[str, ...], peer: str, forwarded: str) -> tuple[str, str]:
    seen: dict[str, Any] = {}

    async def inner(scope: Scope, _receive: Receive, _send: Send) -> None:
        seen.update(scope)

    scope: Scope = {
        "type": "http",
        "scheme": "http",
        "client": (peer, 1),
        "headers": [(b"x-forwarded-for", forwarded.encode()), (b"x-forwarded-proto", b"https")],
    }

    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    async def ignore(_m: Message) -> None:
        return None

    asyncio.run(ForwardedFor(inner, trusted)(scope, nothing, ignore))
    return seen["client"][0], seen["scheme"]


def test_forwarded_headers_are_believed_from_trusted_proxies_only() -> None:
    # Nobody trusted: a client cannot pick the address its failures are counted under.
    assert _seen_client((), "203.0.113.9", "198.51.100.1") == ("203.0.113.9", "http")
    assert _seen_client(("10.0.0.0/8",), "203.0.113.9", "198.51.100.1") == (
        "203.0.113.9",
        "http",
    )
    # From the proxy: the right-most address that is not itself a trusted proxy.
    assert _seen_client(("10.0.0.0/8",), "10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.7") == (
        "198.51.100.1",
        "https",
    )
