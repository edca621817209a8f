from __future__ import annotations

import json
import re
from typing import cast

import pytest
from fastapi.testclient import TestClient

from api import ApiSettings
from api.catalogue import ENTRIES, LANGUAGES, catalogue, label
from patrol.records import Finding
from patrol.store import Store
from patrol.types import AuditAction, CameraRole, DecisionReason, EventStatus, EventType, LookOutcome, Role
from tests.api.support import T0, Site, bearer_client, make_app, site_config, site_records


def page_config(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="page-config">(.*?)</script>', html, re.S)
    assert match, "the page carries its configuration for the script"
    return json.loads(match.group(1))


def test_dashboard_lists_events_newest_first(client: TestClient, site: Site) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    ids = [int(found) for found in re.findall(r'data-event-id="(\d+)"', html)]
    assert ids == site.by_label("edcba")
    # Thumbnails are the events' evidence.jpg; the camera with no picture says so.
    for event in (site.a, site.b, site.c, site.e):
        assert f'src="/api/v1/events/{event.id}/evidence.jpg"' in html
        assert f'href="/events/{event.id}"' in html
    assert f"/api/v1/events/{site.d.id}/evidence.jpg" not in html
    # Chinese by default.
    assert '<html lang="zh-CN">' in html
    for text in (
        "无图像",
        "门卫脱岗",
        "已确认",
        "已排除",
        "待核查",
        "北门门卫室",
        "南门内",
        "北关小学",
        "南街中学",
    ):
        assert text in html


def test_english_by_the_switch_and_it_sticks(client: TestClient, site: Site) -> None:
    html = client.get("/", params={"lang": "en"}).text
    assert '<html lang="en">' in html
    for text in ("Guard absent", "Confirmed", "Dismissed", "No image", "Open events"):
        assert text in html
    assert "门卫脱岗" not in html
    # The switch leads back to Chinese, and the choice is remembered by a cookie.
    assert "lang=zh-CN" in html
    assert '<html lang="en">' in client.get("/").text


def test_overview_counts_and_camera_health_on_the_page(client: TestClient, site: Site) -> None:
    html = client.get("/", params={"lang": "en"}).text
    # Open (new) events: e (guard absent), d (camera unreachable), a (guard absent).
    assert re.search(r'id="open-total">3<', html)
    assert re.search(r'data-type="guard_absent"><span class="n">2<', html)
    assert re.search(r'data-type="camera_unreachable"><span class="n">1<', html)
    # south-gate has an ongoing camera_unreachable event.
    assert re.search(r'class="cam state-unreachable" data-camera="south-gate"', html)
    assert re.search(r'class="cam state-unknown" data-camera="north-gate"', html)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"school": "south"}, "dc"),
        ({"type": "guard_absent"}, "ea"),
        ({"status": "new", "school": "north"}, "ea"),
    ],
)
def test_dashboard_filters(client: TestClient, site: Site, params: dict[str, str], expected: str) -> None:
    html = client.get("/", params=params).text
    assert [int(found) for found in re.findall(r'data-event-id="(\d+)"', html)] == site.by_label(expected)


def test_dashboard_script_follows_the_live_feed(client: TestClient, site: Site) -> None:
    html = client.get("/").text
    config = page_config(html)
    assert config["rowsUrl"] == "/dashboard/rows"
    assert config["streamUrl"] == "/api/v1/events/stream"
    assert config["labels"] == catalogue("zh-CN")
    script = re.search(r'<script src="([^"]+)"', html)
    assert script is not None
    js = client.get(script.group(1))
    assert js.status_code == 200
    assert "new EventSource(config.streamUrl)" in js.text
    # Offline machines: nothing fetched from elsewhere.
    assert "http://" not in html + js.text
    assert "https://" not in html + js.text


def table_body(html: str) -> str:
    match = re.search(r'<tbody id="events">(.*?)</tbody>', html, re.S)
    assert match, "the page has its events table"
    return match.group(1)


def rows_of(html: str) -> list[str]:
    """Each <tr> of the HTML, its whitespace collapsed."""
    return [" ".join(row.split()) for row in re.findall(r"<tr\b.*?</tr>", html, re.S)]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"school": "south"},
        {"type": "guard_absent", "lang": "en"},
        {"status": "confirmed"},
        {"hours": "1"},
    ],
)
def test_the_script_fetches_the_rows_the_page_shows(
    client: TestClient, site: Site, params: dict[str, str]
) -> None:
    """One renderer: the rows fetched for the filters are the page's, row for row, with the count."""
    page = client.get("/", params=params)
    fetched = client.get("/dashboard/rows", params=params)
    assert fetched.status_code == 200
    assert fetched.headers["content-type"].startswith("text/html")
    assert fetched.headers["cache-control"] == "no-store"
    assert rows_of(fetched.text) == rows_of(table_body(page.text))
    assert re.search(rf'id="count">{fetched.headers["x-total-count"]}<', page.text)
    for row in rows_of(fetched.text):
        assert client.get(f"/dashboard/rows/{row_id(row)}", params=params).text.split() == row.split()


def row_id(row: str) -> int:
    found = re.search(r'data-event-id="(\d+)"', row)
    assert found
    return int(found.group(1))


def test_no_rows_fetched_say_so(client: TestClient) -> None:
    fetched = client.get("/dashboard/rows")
    assert (fetched.status_code, fetched.headers["x-total-count"]) == (200, "0")
    assert rows_of(fetched.text) == rows_of(table_body(client.get("/").text))
    assert "暂无事件" in fetched.text


def test_a_row_outside_the_jurisdiction_or_without_a_session_is_refused(store: Store, site: Site) -> None:
    with bearer_client(make_app(store), "north-officer") as north:
        assert north.get(f"/dashboard/rows/{site.b.id}").status_code == 200
        assert north.get(f"/dashboard/rows/{site.c.id}").status_code == 404
        assert north.get("/dashboard/rows/999999").status_code == 404
        assert [row_id(row) for row in rows_of(north.get("/dashboard/rows").text)] == site.by_label("eba")
    with TestClient(make_app(store)) as anonymous:
        # JSON 401s, which the script answers by going to the login page.
        for path in ("/dashboard/rows", f"/dashboard/rows/{site.a.id}"):
            assert anonymous.get(path, follow_redirects=False).status_code == 401, path


@pytest.mark.parametrize(
    ("path", "params", "where"),
    [
        ("/dashboard/rows", {"school": "South"}, ["query", "school"]),
        ("/dashboard/rows", {"hours": "0"}, ["query", "hours"]),
        ("/dashboard/rows/0", {}, ["path", "event_id"]),
    ],
)
def test_bad_row_requests_are_refused_naming_the_field(
    client: TestClient, path: str, params: dict[str, str], where: list[str]
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [where]


def test_styles_are_served(client: TestClient) -> None:
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
    with bearer_client(make_app(store, settings)) as client:
        html = client.get("/").text
        fetched = client.get(f"/dashboard/rows/{site.a.id}").text
    # On the page and in the rows its script fetches alike: the server formats every time.
    assert f'<td class="time">{first_seen}</td>' in html
    assert f'<td class="time">{first_seen}</td>' in fetched
    assert page_config(html)["refreshMs"] == 3000


def test_empty_dashboard(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "暂无事件" in response.text


def test_event_text_is_escaped(store: Store) -> None:
    store.sync_sites(*site_records(site_config()))
    event = store.record_finding(
        Finding("north-gate", EventType("loitering"), T0, summary="<script>alert('x')</script>")
    )
    with bearer_client(make_app(store)) as client:
        pages = [client.get("/").text, client.get(f"/events/{event.id}", params={"lang": "en"}).text]
    for html in pages:
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert" in html


def test_event_page_shows_what_the_rule_saw(client: TestClient, site: Site) -> None:
    html = client.get(f"/events/{site.a.id}").text
    assert "门卫脱岗" in html
    assert "guard_absent on north-booth" in html  # the rule's own words, under the Chinese
    # Both evidence pictures, the camera, school, model and the details.
    assert f'src="/api/v1/events/{site.a.id}/evidence/1.jpg"' in html
    assert f'src="/api/v1/events/{site.a.id}/evidence/2.jpg"' in html
    for text in ("北门门卫室", "北关小学", "person-fall-v8", "2025-03-03 08:00:00"):
        assert text in html
    # An officer may decide a new event and look now.
    assert 'id="decision"' in html
    assert 'id="look-now"' in html
    for reason in DecisionReason:
        assert f'value="{reason.value}"' in html


def test_pages_without_a_session_lead_to_the_login_page(store: Store, site: Site) -> None:
    with TestClient(make_app(store)) as client:
        for path in ("/", f"/events/{site.a.id}", "/audit"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next=")


def test_every_label_exists_in_both_languages() -> None:
    for group, enum in (
        ("type", EventType),
        ("status", EventStatus),
        ("reason", DecisionReason),
        ("role", Role),
        ("action", AuditAction),
        ("camera_role", CameraRole),
        ("outcome", LookOutcome),
    ):
        for member in enum:
            zh, en = label("zh-CN", group, member), label("en", group, member)
            assert zh != member.value and en != member.value, (group, member)
            assert zh != en
    assert LANGUAGES == ("zh-CN", "en")
    assert all(len(pair) == 2 and all(pair) for pair in ENTRIES.values())


def test_a_station_users_dashboard_names_no_other_stations_camera(store: Store, site: Site) -> None:
    with bearer_client(make_app(store), "north-officer") as north:
        html = north.get("/").text
    config = page_config(html)
    assert set(cast(dict[str, str], config["cameras"])) == {"north-booth", "north-gate"}
    south_camera = next(camera for camera in site_config().cameras if camera.school == "south")
    # The page's JSON escapes non-ASCII names, so look for both spellings.
    for text in (south_camera.id, south_camera.name, json.dumps(south_camera.name)[1:-1]):
        assert text not in html, text
