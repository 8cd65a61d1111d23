"""Error shape, limits, headers and what each answer may contain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.intake.batch_factory import make_batch

from ivs.domain import errors
from ivs.service import Limits, create_app
from ivs.service.errors import InternalError, InvalidRequest, MethodNotAllowed
from ivs.store.service_tables import service_access

from .conftest import Served
from .world import World, bearer, make_world, upload

pytestmark = pytest.mark.xdist_group("service-api")

ERROR_KEYS = {"type", "status", "message", "problems"}


def _error(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) == ERROR_KEYS
    assert body["error"]["status"] == response.status_code  # type: ignore[attr-defined]
    return dict(body["error"])


def test_every_error_class_carries_a_status() -> None:
    classes = [
        c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.IvsError)
    ] + [InvalidRequest, MethodNotAllowed, InternalError]
    for cls in classes:
        assert 400 <= cls.http_status < 600 or cls is errors.IvsError, cls
    assert errors.Unauthenticated.http_status == 401
    assert errors.PermissionDenied.http_status == 403
    assert errors.RateLimited.http_status == 429
    assert errors.PayloadTooLarge.http_status == 413


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("GET", "/v1/no-such-thing", 404, "NotFound"),
        ("DELETE", "/v1/ledger/head", 405, "MethodNotAllowed"),
        ("GET", "/v1/ledger/entries/999999/proof", 404, "NotFound"),
        ("GET", "/v1/ledger/entries/-1/proof", 422, "InvalidRequest"),
        ("GET", "/v1/ledger/consistency", 422, "InvalidRequest"),
        ("GET", "/v1/review/999999", 404, "NotFound"),
        ("POST", "/v1/review/1", 422, "InvalidRequest"),
    ],
)
def test_one_error_shape(served: Served, method: str, path: str, status: int, kind: str) -> None:
    token = served.world.tokens["reviewer" if "review" in path else "auditor"]
    response = served.client.request(method, path, headers=bearer(token), json={})
    assert response.status_code == status
    assert _error(response)["type"] == kind


def test_a_decision_needs_a_reason(served: Served) -> None:
    response = served.client.post(
        f"/v1/review/{served.case_ids[-1]}",
        headers=bearer(served.world.tokens["reviewer"]),
        json={"decision": "approve", "reason": "   "},
    )
    assert response.status_code == 422
    assert _error(response)["type"] == "ReasonRequired"


def test_a_refused_batch_lists_every_problem(served: Served, tmp_path: Path) -> None:
    bad = make_batch(tmp_path / "bad", batch_id="TEST-BAD", statute="26 U.S.C. 7201", sign=False)
    response = served.client.post(
        "/v1/batches", files=upload(bad), headers=bearer(served.world.tokens["requester"])
    )
    assert response.status_code == 422
    error = _error(response)
    assert error["type"] == "BatchRejected"
    problems = error["problems"]
    assert isinstance(problems, list)
    assert len(problems) >= 2  # the signature and the statute, reported together


def test_records_file_must_be_a_plain_name(served: Served, tmp_path: Path) -> None:
    batch = make_batch(tmp_path / "b", batch_id="TEST-PATH")
    raw = json.loads(batch.manifest.read_text(encoding="utf-8"))
    raw["records"]["file"] = "../../etc/passwd.csv"
    files = upload(batch)
    files["manifest"] = ("m.json", json.dumps(raw).encode(), "application/json")
    response = served.client.post(
        "/v1/batches", files=files, headers=bearer(served.world.tokens["requester"])
    )
    assert response.status_code == 422
    assert "plain file name" in str(_error(response)["problems"])


def test_requesters_see_only_their_agencys_batches(served: Served) -> None:
    own = served.client.get("/v1/batches", headers=bearer(served.world.tokens["requester"]))
    other = served.client.get("/v1/batches", headers=bearer(served.world.tokens["other-requester"]))
    assert [b["batch_id"] for b in own.json()] == [served.batch_id]
    assert other.json() == []


def test_security_headers_and_packaged_assets(served: Served) -> None:
    page = served.client.get("/signin")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "http://" not in page.text.replace("http://www.w3.org", "")
    assert "https://" not in page.text
    htmx = served.client.get("/static/htmx.min.js")
    assert htmx.status_code == 200
    assert htmx.text.startswith("var htmx=")
    assert served.client.get("/docs").status_code == 404  # its page would load a CDN


def test_case_access_is_recorded(served: Served) -> None:
    case = served.case_ids[0]
    served.client.get(f"/v1/review/{case}", headers=bearer(served.world.tokens["reviewer"]))
    with served.app.state.context.store.connect() as conn:
        rows = conn.execute(
            sa.select(service_access).where(service_access.c.what == f"review case {case}")
        ).all()
    assert rows
    assert rows[-1].user_name == "reviewer"


def test_the_case_shows_no_full_tin(served: Served) -> None:
    detail = served.client.get(
        f"/v1/review/{served.case_ids[0]}", headers=bearer(served.world.tokens["reviewer"])
    )
    assert detail.status_code == 200
    text = detail.text
    for tin in ("123456789", "234567891", "345678912", "912701234"):
        assert tin not in text
    body = detail.json()
    assert body["why_review"]
    assert 1 <= len(body["candidates"]) <= 3


@pytest.fixture
def strict_world(tmp_path: Path) -> World:
    return make_world(tmp_path, review_band=False)


def test_rate_limit_per_token(strict_world: World) -> None:
    app = create_app(
        strict_world.context(Limits(requests_per_minute=60, burst=3)), run_worker=False
    )
    with TestClient(app) as client:
        auditor = bearer(strict_world.tokens["auditor"])
        statuses = [client.get("/v1/ledger/head", headers=auditor).status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200]
        limited = client.get("/v1/ledger/head", headers=auditor)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert _error(limited)["type"] == "RateLimited"
        # Another token has its own allowance.
        other = client.get("/v1/admin/users", headers=bearer(strict_world.tokens["admin"]))
        assert other.status_code == 200


def test_upload_and_body_limits(strict_world: World) -> None:
    limits = Limits(max_manifest_bytes=4096, max_records_bytes=500, max_body_bytes=200_000)
    app = create_app(strict_world.context(limits), run_worker=False)
    with TestClient(app) as client:
        requester = bearer(strict_world.tokens["requester"])
        too_big_records = client.post(
            "/v1/batches", files=upload(strict_world.batch), headers=requester
        )
        assert too_big_records.status_code == 413
        assert "records file" in str(_error(too_big_records)["message"])
        files = upload(strict_world.batch)
        files["records"] = ("B.records.csv", b"x" * 300_000, "text/csv")
        too_big_body = client.post("/v1/batches", files=files, headers=requester)
        assert too_big_body.status_code == 413
        _error(too_big_body)


def test_spreadsheet_exports_neutralise_formulas() -> None:
    import pyarrow as pa

    from ivs.service.exports import spreadsheet_csv

    table = pa.table(
        {"a": ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "plain", None], "n": range(7)}
    )
    lines = spreadsheet_csv(table).decode().splitlines()
    assert lines[1:] == [
        "'=HYPERLINK(1),0",
        "'+1,1",
        "'-2,2",
        "'@SUM(A1),3",
        "'\tx,4",
        "plain,5",
        ",6",
    ]


def test_an_internal_error_has_the_shape_and_leaves_no_data_in_the_log(
    strict_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    context = strict_world.context()
    app = create_app(context, run_worker=False)

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("taxpayer 123456789 at 55 ELM AVE")

    # A fault injected where a real one could happen: the ledger's store failing mid-read.
    object.__setattr__(context, "ledger", type("Broken", (), {"head": broken})())
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/ledger/head", headers=bearer(strict_world.tokens["auditor"]))
    assert response.status_code == 500
    assert _error(response)["type"] == "InternalError"
    assert "123456789" not in response.text
    assert "123456789" not in caplog.text
    assert "RuntimeError" in caplog.text
