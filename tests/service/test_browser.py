"""A reviewer in a real browser (Debian's Chromium, headless, driven by Playwright): signs in
with a token, opens the queue, opens a case and approves it with the keyboard alone; the
decision is then on the ledger. The screenshot is kept under build/screenshots/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from ivs.service import create_app

from .world import bearer, make_world, running_server, upload

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="Chromium is installed by `make test` (browser)"
)


def _focused_text(page: object) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.textContent"))  # type: ignore[attr-defined]


def test_reviewer_decides_a_case_with_the_keyboard(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    app = create_app(world.context())
    with running_server(app) as base:
        import httpx

        with httpx.Client(base_url=base, timeout=60) as client:
            requester = bearer(world.tokens["requester"])
            accepted = client.post("/v1/batches", files=upload(world.batch), headers=requester)
            assert accepted.status_code == 202, accepted.text
            app.state.worker.idle.wait(120)
            cases = client.get("/v1/review", headers=bearer(world.tokens["reviewer"])).json()
            assert cases
            first = cases[0]["case_id"]

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                page = browser.new_page(viewport={"width": 1000, "height": 900})
                page.goto(f"{base}/signin")
                # The token field has the focus; type, then Enter submits.
                page.keyboard.type(world.tokens["reviewer"])
                page.keyboard.press("Enter")
                page.wait_for_url(f"{base}/review")
                assert page.get_by_role("heading", name="Review queue").is_visible()

                # Tab through the page until the first case's link has the focus.
                for _ in range(30):
                    page.keyboard.press("Tab")
                    if _focused_text(page) == f"Case {first}":
                        break
                else:
                    raise AssertionError("the case link is not reachable with Tab")
                page.keyboard.press("Enter")
                page.wait_for_url(f"{base}/review/{first}")
                assert page.get_by_role("heading", name="Why it is in review").is_visible()
                assert page.get_by_label("Reason (required, recorded on the ledger)").count() == 1

                page.keyboard.press("a")  # approve; the focus moves to the reason
                assert page.get_by_label("Approve: disclose").is_checked()
                page.keyboard.type("Name and address agree to the unit; no second candidate.")
                page.keyboard.press("Tab")  # to the submit button
                assert _focused_text(page) == "Record decision"
                page.keyboard.press("Enter")
                note = page.locator(".decided-note")
                note.wait_for(timeout=15_000)
                assert "approved by reviewer" in note.inner_text()
                assert page.locator("#case-status").inner_text() == "approved"
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / "review-case-decided.png"), full_page=True)
                # Readable at 200 % zoom: the page reflows instead of scrolling sideways.
                page.set_viewport_size({"width": 500, "height": 900})
                page.reload()
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 1
            finally:
                browser.close()

        with httpx.Client(base_url=base, timeout=60) as client:
            auditor = bearer(world.tokens["auditor"])
            size = client.get("/v1/ledger/head", headers=auditor).json()["size"]
            last = client.get(f"/v1/ledger/entries/{size - 1}/proof", headers=auditor).json()
    entry = json.loads(last["entry"])
    assert entry["kind"] == "review_decision"
    assert entry["body"]["case_id"] == str(first)
    assert entry["body"]["decision"] == "approved"
    assert entry["body"]["reviewer"] == "reviewer"
    assert (SCREENSHOTS / "review-case-decided.png").stat().st_size > 10_000
