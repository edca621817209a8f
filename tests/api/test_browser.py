"""In a real browser (Debian's headless Chromium) against the app served by uvicorn over a real
SQLite store: an officer logs in, watches an event arrive live, opens it, sees the evidence, and
confirms it with a reason; an officer of another station gets 404 for it."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from patrol.accounts import Jurisdictions
from patrol.clock import SystemClock
from patrol.store import Store, sqlite_url
from patrol.types import EventStatus, EventType, Role
from tests.api import scenes
from tests.api.live import served
from tests.api.support import PASSWORD, make_accounts, make_app, token_for
from tests.conftest import _missing

CHROMIUM = os.environ.get("PATROL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        _missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e .[test])")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def county(tmp_path: Path) -> Iterator[tuple[Store, dict[str, Any], str, Any]]:
    """The demo county in a real SQLite store with two older events, served; the app's clock is real."""
    store = Store(sqlite_url(tmp_path), tmp_path / "evidence")
    store.create_schema()
    cameras = scenes.county_site(store)
    now = datetime.now(UTC)
    store.record_finding(scenes.loitering(cameras["xihe-street"], now - timedelta(minutes=40)))
    store.record_finding(scenes.walk_in(cameras["xihe-gate"], now - timedelta(minutes=20)))
    accounts = make_accounts(store)
    accounts.add_user("dongcheng-officer", PASSWORD, Role.OFFICER, "dongcheng-station", now)
    jurisdictions = Jurisdictions.from_config(scenes.county_config().jurisdictions)
    app = make_app(store, clock=SystemClock(), jurisdictions=jurisdictions)
    try:
        with served(app) as base:
            yield store, cameras, base, app
    finally:
        store.close()


def _log_in(page: Any, base: str, username: str, path: str = "/") -> None:
    page.goto(base + path)
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + path)


def test_an_officer_sees_a_new_event_arrive_and_confirms_it(browser: Any, county: Any) -> None:
    store, cameras, base, app = county
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    # Everything below must work under the pages' Content-Security-Policy: Chromium reports
    # each thing the policy blocks on the console.
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
    )
    try:
        _log_in(page, base, "officer")
        landing = page.reload()
        assert landing is not None and "script-src 'self'" in landing.headers["content-security-policy"]
        page.wait_for_selector("#state.live", timeout=5000)
        assert page.locator("tbody tr[data-event-id]").count() == 2
        page.evaluate("window.notReloaded = true")

        recorded_at = time.monotonic()
        event = store.record_finding(scenes.guard_absent(cameras["xihe-booth"], datetime.now(UTC)))
        row = page.locator(f'tr[data-event-id="{event.id}"]')
        row.wait_for(timeout=2000)
        arrived_s = time.monotonic() - recorded_at
        assert arrived_s < 2.0
        assert page.evaluate("window.notReloaded") is True, "the page must not reload"
        assert "门卫脱岗" in row.inner_text()
        assert page.locator("#banner").is_visible()
        assert page.locator('.tile[data-type="guard_absent"] .n').inner_text() == "1"

        row.click()
        page.wait_for_url(f"{base}/events/{event.id}")
        image = page.locator("img.evidence-image").first
        image.wait_for()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert image.evaluate("img => img.naturalWidth") == 640
        assert "西河中学" in page.inner_text(".where")

        page.check('input[name=reason][value="other"]')
        page.fill("textarea[name=note]", "已电话通知学校门卫")
        page.click("button.confirm")
        page.wait_for_selector("ol.history li", timeout=5000)
        assert "已确认" in page.inner_text(".event-head")
        assert blocked == []
    finally:
        context.close()

    token = token_for(app, "supervisor")
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api:
        state = api.get(f"/api/v1/events/{event.id}").json()
        assert (state["status"], state["decision_reason"], state["decided_by"]) == (
            "confirmed",
            "other",
            "officer",
        )
        assert state["decision_note"] == "已电话通知学校门卫"
        audit = api.get("/api/v1/audit", params={"user": "officer"}).json()["data"]
    actions = [(entry["action"], entry["target"]) for entry in reversed(audit)]
    assert actions[0] == ("login", "user:officer")
    assert ("evidence_view", f"event:{event.id}/evidence:1") in actions
    assert actions[-1] == ("decision", f"event:{event.id}")
    print(f"the new event showed {arrived_s:.2f} s after it was recorded")


def test_the_dashboard_shows_the_servers_rows_as_filters_change_and_decisions_arrive(
    browser: Any, county: Any
) -> None:
    """The script renders no row itself: it fetches the server's, for a filter and for a decision."""
    store, _, base, _ = county
    loitering = store.list_events(event_type=EventType("loitering"))[0][0]
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        _log_in(page, base, "officer")
        page.wait_for_selector("#state.live", timeout=5000)
        rows = page.locator("tbody tr[data-event-id]")
        assert rows.count() == 2

        page.select_option("select[name=type]", "loitering")
        rows.nth(1).wait_for(state="detached", timeout=5000)
        assert rows.first.get_attribute("data-event-id") == str(loitering.id)
        assert page.inner_text("#count") == "1"
        assert "type=loitering" in page.url

        store.decide(loitering.id, EventStatus.CONFIRMED, "已通报学校", datetime.now(UTC))
        row = page.locator(f'tr.status-confirmed[data-event-id="{loitering.id}"]')
        row.wait_for(timeout=5000)
        assert "已确认" in row.inner_text()
        # The row as the server renders it for that event, not one the script put together.
        fetched = page.request.get(f"{base}/dashboard/rows/{loitering.id}").text()
        assert row.evaluate("tr => tr.outerHTML").split() == fetched.split()

        page.select_option("select[name=type]", "")
        rows.nth(1).wait_for(timeout=5000)
        assert page.inner_text("#count") == "2"
    finally:
        context.close()


def test_an_officer_of_another_station_gets_404(browser: Any, county: Any) -> None:
    store, cameras, base, _ = county
    event = store.record_finding(scenes.guard_absent(cameras["xihe-booth"], datetime.now(UTC)))
    context = browser.new_context()
    page = context.new_page()
    try:
        _log_in(page, base, "dongcheng-officer")
        assert page.locator("tbody tr[data-event-id]").count() == 0
        response = page.goto(f"{base}/events/{event.id}")
        assert response is not None and response.status == 404
        assert "未找到" in page.inner_text("main")
        picture = page.request.get(f"{base}/api/v1/events/{event.id}/evidence.jpg")
        assert picture.status == 404
    finally:
        context.close()
