"""The zone editor in a real browser (Debian's headless Chromium) over the real patrol: the RTSP
simulator, the detector, an imported camera, the refresh of imported cameras. An administrator
drags a corner of the booth zone, saves, and the next look judges with the new zone; a polygon
left with two points is refused with its key path; an officer gets no editor, and 403 on PUT.
Without the patrol: a gate line with its inside side, a rule's fields refused one by one, a
renamed zone the rules follow, and a restored version."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from patrol.clock import SystemClock
from patrol.config import parse_config
from patrol.registry.actor import Actor
from patrol.registry.directory import CameraDirectory
from patrol.registry.importer import CameraImporter
from patrol.registry.refresh import start_camera_refresh
from patrol.store import Store, sqlite_url
from patrol.store.camera_imports import CameraImports
from patrol.store.tables import LookRow
from tests.api.live import served
from tests.api.support import make_app
from tests.api.test_browser import _log_in, browser  # noqa: F401  # the browser fixture
from tests.patrol.planner.support import around_the_clock
from tests.patrol.registry.county import csv_bytes
from tests.patrol.registry.refreshes import begun_after, change_taken
from tests.patrol.support import patrol_of

PASSWORD = "Actor-Cam-Pa55-4b1d"
VARIABLE = "EDITOR_CAMERA_PASSWORD"
CAMERA = "34020200001310000077"
REFRESH_S = 2
MAX_GAP_S = 10
# A change reaches the patrol within one refresh, and a look within the camera's maximum gap,
# with a look's own time (an RTSP open, the detector) on top.
LOOK_WITHIN_S = REFRESH_S + MAX_GAP_S + 15
# Beside the guard, who stands at x 0.5 near the bottom of the booth scene: nobody inside.
BESIDE = [[0.05, 0.5], [0.35, 0.5], [0.35, 0.98], [0.05, 0.98]]
# Its third corner dragged right past the guard's feet: the zone then holds them.
DRAGGED_TO = (0.75, 0.98)
COLUMNS = ("id", "school", "name", "role", "stream", "username", "credentials", "template")


def _config(port: int) -> str:
    return yaml.safe_dump(
        {
            "windows": {"always": [{"start": "00:00", "end": "24:00"}]},
            "calendar": around_the_clock(max_gap_s=MAX_GAP_S, looks_per_hour=720),
            "sampling": {"workers": 1, "max_streams_per_school": 1, "open_timeout_s": 3.0},
            "registry": {"refresh_s": REFRESH_S},
            "schools": [{"id": "s2", "name": "二中"}],
            "cameras": [],
            "templates": {
                "booth": {
                    "zones": {"booth": BESIDE},
                    "rules": {
                        "guard_absent": {"zone": "booth", "confirm_after_s": 600, "windows": ["always"]}
                    },
                }
            },
        },
        allow_unicode=True,
    )


def _looks(store: Store) -> list[LookRow]:
    with store.database.sessions() as session:
        return list(session.scalars(select(LookRow).where(LookRow.camera_id == CAMERA).order_by(LookRow.id)))


def _wait_for(found: Callable[[], list[LookRow]], within_s: float) -> list[LookRow]:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if rows := found():
            return rows
        time.sleep(0.2)
    raise AssertionError(f"no such look within {within_s} s")


@pytest.fixture
def patrolled(  # type: ignore[no-untyped-def]
    detector, simulator_server, tmp_path: Path
) -> Iterator[tuple[Store, str]]:
    """The running patrol with one imported booth camera, and the dashboard served over its store."""
    port = simulator_server({"/s2/booth": "booth_staffed"}, PASSWORD)
    config = parse_config(_config(port), environ={})
    environ = {VARIABLE: PASSWORD}
    patrol, store = patrol_of(config, detector, tmp_path)
    importer = CameraImporter(config, store, environ=environ)
    row = {
        "id": CAMERA,
        "school": "s2",
        "name": "新门卫室",
        "role": "booth",
        "stream": f"rtsp://127.0.0.1:{port}/s2/booth",
        "username": "patrol",
        "credentials": VARIABLE,
        "template": "booth",
    }
    report = importer.run(csv_bytes([row], COLUMNS), Actor("admin", "administrator", "county"))
    assert report.created == 1, report.issues
    imports = CameraImports(store)
    directory = CameraDirectory(config, imports.list, environ=environ)
    patrol.start()
    refresh = start_camera_refresh(config, directory, [patrol])
    app = make_app(store, clock=SystemClock(), camera_import=importer)
    try:
        with served(app) as base:
            yield store, base
    finally:
        refresh.stop()
        patrol.stop()
        store.close()


def _csp_watch(page: Any) -> list[str]:
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return blocked


def _drag(page: Any, handle: str, to: tuple[float, float]) -> None:
    start = page.locator(handle).bounding_box()
    stage = page.locator("#overlay").bounding_box()
    assert start is not None and stage is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    x, y = stage["x"] + to[0] * stage["width"], stage["y"] + to[1] * stage["height"]
    page.mouse.move(x, y, steps=8)
    page.mouse.up()


def test_an_administrator_drags_the_booth_zone_and_the_next_look_judges_with_it(
    browser: Any,  # noqa: F811
    patrolled: tuple[Store, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="patrol.registry.refresh")
    store, base = patrolled
    # With the guard beside the zone, the patrol finds the booth empty.
    first = _wait_for(
        lambda: [look for look in _looks(store) if "guard_absent=" in look.detail], LOOK_WITHIN_S
    )
    assert "guard_absent=suspect" in first[0].detail, first[0].detail

    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-GB")
    page = context.new_page()
    blocked = _csp_watch(page)
    try:
        _log_in(page, base, "admin", f"/cameras/{CAMERA}")
        page.wait_for_selector("body[data-ready=true]")
        picture = page.locator("#picture")
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
        assert page.locator('polygon[data-zone="booth"]').count() == 1
        corner = 'circle.handle[data-zone="booth"][data-index="2"]'
        assert page.locator('circle.handle[data-zone="booth"]').count() == 4

        # Two corners removed: the save is refused, the problem shown at the zone it names.
        page.locator('circle.handle[data-zone="booth"][data-index="0"]').dblclick()
        page.locator('circle.handle[data-zone="booth"][data-index="0"]').dblclick()
        page.click("#save")
        problem = page.locator('li[data-loc="zones.booth"] .problem')
        problem.wait_for(timeout=5000)
        page.wait_for_function("node => node.textContent.length > 0", arg=problem.element_handle())
        assert "zones → booth" in problem.inner_text() and "at least 3 points" in problem.inner_text()
        assert "zones → booth: " in page.inner_text("#problems")
        assert CameraImports(store).list()[0].view["zones"]["booth"] == BESIDE

        # Afresh: drag the third corner right past the guard, and save.
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
        _drag(page, corner, DRAGGED_TO)
        seen = len(_looks(store))
        saved_at = time.time()
        page.click("#save")
        state = page.locator("#save-state")
        page.wait_for_function("node => !['', '…'].includes(node.textContent)", arg=state.element_handle())
        assert state.inner_text() == "已保存为第 1 版", page.inner_text("#problems")
        stored = CameraImports(store).list()[0].view["zones"]["booth"]
        assert stored[2] == pytest.approx(DRAGGED_TO, abs=0.01)
        assert stored[0] == BESIDE[0] and stored[1] == BESIDE[1] and stored[3] == BESIDE[3]
        page.locator("#versions li[data-version='1']").wait_for(timeout=5000)
        assert blocked == []
    finally:
        context.close()

    taken_at = change_taken(caplog, CAMERA, saved_at, LOOK_WITHIN_S)
    looks = _wait_for(
        lambda: [look for look in _looks(store)[seen:] if "guard_absent=clear" in look.detail], LOOK_WITHIN_S
    )
    print(
        f"\nthe patrol took the dragged zone {taken_at - saved_at:.1f} s after the save; "
        f"a look judged with it {looks[0].finished_at.timestamp() - saved_at:.1f} s after"
    )
    # Looks that began before the refresh handed the patrol the new view judged with the one
    # they began with; every look begun after judges with the dragged zone. (A look that could
    # not open the stream on a loaded machine judges nothing, and is left out.)
    after = _wait_for(
        lambda: [
            look
            for look in _looks(store)
            if begun_after(taken_at, look.started_at.timestamp()) and "guard_absent=" in look.detail
        ],
        LOOK_WITHIN_S,
    )
    assert all("guard_absent=clear" in look.detail for look in after), [look.detail for look in after]
    assert looks[0].outcome == "ok"


def test_an_officer_sees_the_zones_but_no_editor_and_may_not_save(
    browser: Any,  # noqa: F811
    editor_served: tuple[Store, str],
) -> None:
    store, base = editor_served
    context = browser.new_context()
    page = context.new_page()
    blocked = _csp_watch(page)
    try:
        _log_in(page, base, "officer", f"/cameras/{CAMERA}")
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator('polygon[data-zone="booth"]').count() == 1
        assert page.locator("#editor").count() == 0
        assert page.locator("circle.handle").count() == 0
        token = page.evaluate("JSON.parse(document.getElementById('page-config').textContent).csrfToken")
        view = page.request.get(f"{base}/api/v1/cameras/{CAMERA}/view").json()["view"]
        view["zones"]["booth"][2] = [0.9, 0.9]
        answer = page.request.put(
            f"{base}/api/v1/cameras/{CAMERA}/view", data=view, headers={"X-CSRF-Token": token}
        )
        assert answer.status == 403 and "may not" in answer.json()["detail"]
        assert blocked == []
    finally:
        context.close()
    assert CameraImports(store).list()[0].view["zones"]["booth"] == BESIDE


@pytest.fixture
def editor_served(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    """The dashboard over a store with one imported booth camera; no patrol, no stream."""
    config = parse_config(_config(1), environ={})
    store = Store(sqlite_url(tmp_path), tmp_path / "evidence")
    store.create_schema()
    importer = CameraImporter(config, store, environ={VARIABLE: PASSWORD})
    row = {
        "id": CAMERA,
        "school": "s2",
        "name": "新门卫室",
        "role": "booth",
        "stream": "rtsp://127.0.0.1:1/s2/booth",
        "username": "patrol",
        "credentials": VARIABLE,
        "template": "booth",
    }
    assert importer.run(csv_bytes([row], COLUMNS), Actor("admin", "administrator", "county")).created == 1
    try:
        with served(make_app(store, clock=SystemClock(), camera_import=importer)) as base:
            yield store, base
    finally:
        store.close()


def _stored_view(store: Store) -> dict[str, Any]:
    return CameraImports(store).list()[0].view


def test_an_administrator_draws_a_gate_line_sets_a_rule_renames_a_zone_and_restores(
    browser: Any,  # noqa: F811
    editor_served: tuple[Store, str],
) -> None:
    store, base = editor_served
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    blocked = _csp_watch(page)
    try:
        _log_in(page, base, "admin", f"/cameras/{CAMERA}")
        page.wait_for_selector("body[data-ready=true]")

        # A gate line: two ends and the inside side, turned to the top of the picture.
        page.click("#add-line")
        assert page.locator('circle.handle[data-line="line1"]').count() == 3
        assert page.locator('line.inside[marker-end="url(#inside-arrow)"]').count() == 1
        _drag(page, 'circle.handle.inside[data-line="line1"]', (0.5, 0.2))

        # Walk-ins over it, with a threshold out of range and no desk zone: refused, field by field.
        page.check('input[name="rule-unregistered_entry"]')
        rule = 'fieldset[data-loc="rules.unregistered_entry"]'
        page.select_option(f'{rule} label[data-loc="rules.unregistered_entry.line"] select', "line1")
        page.check(f'{rule} label[data-loc="rules.unregistered_entry.windows"] input[value="always"]')
        page.fill('input[name="unregistered_entry.min_desk_dwell_s"]', "9999")
        page.click("#save")
        dwell = page.locator('label[data-loc="rules.unregistered_entry.min_desk_dwell_s"] .problem')
        dwell.wait_for(timeout=5000)
        assert "less than or equal to 600" in dwell.inner_text()
        desk = page.locator('label[data-loc="rules.unregistered_entry.desk_zone"]')
        assert "invalid" in (desk.get_attribute("class") or "")
        assert "Field required" in desk.locator(".problem").inner_text()
        assert "lines" not in _stored_view(store)

        page.select_option('label[data-loc="rules.unregistered_entry.desk_zone"] select', "booth")
        page.fill('input[name="unregistered_entry.min_desk_dwell_s"]', "4")
        page.click("#save")
        page.locator("#save-state", has_text="第 1 版").wait_for(timeout=5000)
        saved = _stored_view(store)
        assert saved["lines"]["line1"]["points"] == [[0.3, 0.5], [0.7, 0.5]]
        assert saved["lines"]["line1"]["inside"] == pytest.approx([0.5, 0.2], abs=0.01)
        assert saved["rules"]["unregistered_entry"] == {
            "line": "line1",
            "desk_zone": "booth",
            "min_desk_dwell_s": 4.0,
            "windows": ["always"],
        }

        # The booth renamed: both rules that name it follow.
        name = page.locator('li[data-loc="zones.booth"] input.name')
        name.fill("post")
        name.press("Enter")
        page.locator('li[data-loc="zones.post"]').wait_for(timeout=5000)
        page.click("#save")
        page.locator("#save-state", has_text="第 2 版").wait_for(timeout=5000)
        renamed = _stored_view(store)
        assert list(renamed["zones"]) == ["post"]
        assert renamed["rules"]["guard_absent"]["zone"] == "post"
        assert renamed["rules"]["unregistered_entry"]["desk_zone"] == "post"

        # Back to version 1, as a new version 3.
        page.click("#versions li[data-version='1'] button.restore")
        page.locator("#save-state", has_text="第 3 版").wait_for(timeout=5000)
        assert _stored_view(store) == saved
        page.locator('li[data-loc="zones.booth"]').wait_for(timeout=5000)
        assert blocked == []
    finally:
        context.close()
