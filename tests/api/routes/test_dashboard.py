from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from api import ApiSettings
from patrol.store import Finding, Store
from patrol.types import EventType
from tests.api.support import T0, Site, make_app, site_config, site_records


def page_config(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="dashboard-config">(.*?)</script>', html, re.S)
    assert match, "the page carries its configuration for the script"
    return json.loads(match.group(1))


def test_dashboard_lists_events_newest_first(client: TestClient, site: Site) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    ids = [int(found) for found in re.findall(r'data-event-id="(\d+)"', html)]
    assert ids == site.by_label("edcba")
    # Thumbnails are the events' evidence.jpg; the camera with no picture says so.
    for event in (site.a, site.b, site.c, site.e):
        assert f'src="/api/v1/events/{event.id}/evidence.jpg"' in html
    assert f"/api/v1/events/{site.d.id}/evidence.jpg" not in html
    assert "无图像 (No image)" in html
    for text in ("门卫脱岗 (Guard absent)", "已确认 (Confirmed)", "已排除 (Dismissed)", "待核查 (New)"):
        assert text in html
    for text in ("北门门卫室", "南门内", "北关小学", "南街中学"):
        assert text in html


def test_dashboard_refreshes_from_the_events_api(client: TestClient, site: Site) -> None:
    html = client.get("/").text
    config = page_config(html)
    assert config["eventsUrl"] == "/api/v1/events"
    assert config["camerasUrl"] == "/api/v1/cameras"
    assert config["refreshMs"] == 5000
    assert config["timezone"] == "Asia/Shanghai"
    script = re.search(r'<script src="([^"]+)"', html)
    assert script is not None
    js = client.get(script.group(1))
    assert js.status_code == 200
    assert "config.eventsUrl" in js.text
    assert "fetch(" in js.text
    assert "setTimeout(refresh, config.refreshMs)" in js.text
    # Offline machines: nothing fetched from elsewhere.
    assert "http://" not in html + js.text
    assert "https://" not in html + js.text


def test_dashboard_styles_are_served(client: TestClient) -> None:
    html = client.get("/").text
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert stylesheet is not None
    assert client.get(stylesheet.group(1)).status_code == 200


@pytest.mark.parametrize(
    ("timezone", "first_seen"),
    [
        ("Asia/Shanghai", "2025-03-03 08:00:00"),
        ("UTC", "2025-03-03 00:00:00"),
        ("Asia/Urumqi", "2025-03-03 06:00:00"),
    ],
)
def test_times_shown_in_the_configured_zone(store: Store, site: Site, timezone: str, first_seen: str) -> None:
    settings = ApiSettings(title="巡查", timezone=timezone, dashboard_refresh_s=3)
    with TestClient(make_app(store, settings)) as client:
        html = client.get("/").text
    assert f'<td class="time">{first_seen}</td>' in html
    assert page_config(html)["timezone"] == timezone
    assert page_config(html)["refreshMs"] == 3000


def test_empty_dashboard(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "暂无事件 (No events)" in response.text


def test_event_text_is_escaped(store: Store) -> None:
    store.sync_sites(*site_records(site_config()))
    store.record_finding(
        Finding("north-gate", EventType.LOITERING, T0, summary="<script>alert('x')</script>")
    )
    with TestClient(make_app(store)) as client:
        html = client.get("/").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
