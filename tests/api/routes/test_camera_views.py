"""GET/PUT /api/v1/cameras/{id}/view, its versions and their restore: administrators of the
camera's school change an imported camera's zones and rules, checked as the config checks them,
each change a version and an audit entry; everyone else reads, or gets 403/404; a camera of the
config file answers 409. Over a real store on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from patrol.config import parse_config
from patrol.registry.actor import Actor
from patrol.registry.directory import revision_of
from patrol.registry.importer import CameraImporter
from patrol.store import Store
from patrol.store.camera_imports import CameraImports
from patrol.types import Role
from tests.api.support import (
    CONFIG_YAML,
    PASSWORD,
    PLANTED_PASSWORD,
    T0,
    accounts_of,
    bearer_client,
    log_in,
    make_app,
    site_records,
)

CAMERA = "34020200001310000001"
VARIABLE = "NORTH_CAMERA_PASSWORD"
CAMERA_PASSWORD = "North-Cam-Pa55-9c2e"
BOOTH = [[0.3, 0.15], [0.7, 0.15], [0.7, 0.95], [0.3, 0.95]]
TEMPLATE = {
    "zones": {"booth": BOOTH},
    "rules": {"guard_absent": {"zone": "booth", "windows": ["day"]}},
}
SHEET = (
    "id,school,name,role,stream,username,credentials,template\n"
    f"{CAMERA},north,北门门卫室2,booth,rtsp://10.20.1.21/ch1/sub,admin,{VARIABLE},booth\n"
)


def _app(store: Store) -> FastAPI:
    raw = yaml.safe_load(CONFIG_YAML)
    raw["windows"] = {"day": [{"start": "07:00", "end": "18:00"}]}
    raw["templates"] = {"booth": TEMPLATE}
    config = parse_config(yaml.safe_dump(raw, allow_unicode=True), environ={"CAM_PASSWORD": PLANTED_PASSWORD})
    store.sync_sites(*site_records(config))
    importer = CameraImporter(config, store, environ={VARIABLE: CAMERA_PASSWORD})
    app = make_app(store, camera_import=importer)
    report = importer.run(SHEET.encode(), Actor("admin", "administrator", "county"))
    assert report.created == 1, report.issues
    accounts_of(app).add_user("south-admin", PASSWORD, Role.ADMINISTRATOR, "south-station", T0)
    return app


def _moved(view: dict[str, Any], corner: int, to: list[float]) -> dict[str, Any]:
    changed = copy.deepcopy(view)
    changed["zones"]["booth"][corner] = to
    return changed


def _revision(store: Store) -> str:
    (record,) = [r for r in CameraImports(store).list() if r.camera.id == CAMERA]
    return revision_of(record)


def test_an_administrator_changes_a_zone_and_rolls_it_back(store: Store) -> None:
    app = _app(store)
    before = _revision(store)
    with bearer_client(app, "admin") as admin:
        read = admin.get(f"/api/v1/cameras/{CAMERA}/view")
        assert read.status_code == 200, read.text
        body = read.json()
        assert (body["source"], body["editable"], body["version"]) == ("imported", True, 0)
        assert body["view"]["zones"]["booth"] == BOOTH
        assert read.headers["etag"] == '"0"'

        changed = _moved(body["view"], 2, [0.9, 0.99])
        changed["rules"]["guard_absent"]["min_persons"] = 2
        saved = admin.put(f"/api/v1/cameras/{CAMERA}/view", json=changed, headers={"If-Match": '"0"'})
        assert saved.status_code == 200, saved.text
        assert saved.json()["version"] == 1
        assert saved.json()["view"]["zones"]["booth"][2] == [0.9, 0.99]
        assert saved.json()["view"]["rules"]["guard_absent"]["min_persons"] == 2
        # The patrol's fingerprint of the camera changed: its next refresh takes the new view.
        assert _revision(store) != before

        # A save made on version 0 would overwrite version 1 unseen: refused.
        stale = admin.put(f"/api/v1/cameras/{CAMERA}/view", json=body["view"], headers={"If-Match": '"0"'})
        assert stale.status_code == 409 and "changed since it was read" in stale.json()["detail"]

        versions = admin.get(f"/api/v1/cameras/{CAMERA}/view/versions").json()
        assert versions["count"] == 1
        (first,) = versions["data"]
        assert (first["version"], first["saved_by"], first["restored_from"]) == (1, "admin", None)
        assert first["before"]["zones"]["booth"] == BOOTH
        assert first["after"]["zones"]["booth"][2] == [0.9, 0.99]

        # Another change, then back to version 1: a new version 3 with version 1's view.
        again = admin.put(f"/api/v1/cameras/{CAMERA}/view", json=_moved(changed, 0, [0.1, 0.1]))
        assert again.status_code == 200 and again.json()["version"] == 2
        restored = admin.post(f"/api/v1/cameras/{CAMERA}/view/versions/1/restore")
        assert restored.status_code == 200, restored.text
        assert restored.json()["version"] == 3
        assert restored.json()["view"] == saved.json()["view"]
        newest = admin.get(f"/api/v1/cameras/{CAMERA}/view/versions").json()["data"][0]
        assert (newest["version"], newest["restored_from"]) == (3, 1)
        assert newest["before"]["zones"]["booth"][0] == [0.1, 0.1]
        assert admin.post(f"/api/v1/cameras/{CAMERA}/view/versions/9/restore").status_code == 404

        audit = admin.get("/api/v1/audit", params={"user": "admin"}).json()["data"]
    entries = [(e["action"], e["target"], e["detail"].get("version")) for e in reversed(audit)]
    assert entries[-3:] == [
        ("camera_view_saved", f"camera:{CAMERA}", 1),
        ("camera_view_saved", f"camera:{CAMERA}", 2),
        ("camera_view_restored", f"camera:{CAMERA}", 3),
    ]


@pytest.mark.parametrize(
    ("change", "loc", "words"),
    [
        (
            lambda v: v["zones"].update(booth=[[0.3, 0.15], [0.7, 0.15]]),
            ["zones", "booth"],
            "at least 3 points",
        ),
        (
            lambda v: v["zones"]["booth"].__setitem__(1, [1.5, 0.2]),
            ["zones", "booth", 1, 0],
            "less than or equal",
        ),
        (
            lambda v: v["rules"]["guard_absent"].update(zone="desk"),
            ["rules", "guard_absent", "zone"],
            "no zone of this camera",
        ),
        (
            lambda v: v["rules"]["guard_absent"].update(min_persons=99),
            ["rules", "guard_absent", "min_persons"],
            "less than or equal to 20",
        ),
        (
            lambda v: v["rules"]["guard_absent"].update(windows=["night"]),
            ["rules", "guard_absent", "windows", 0],
            "no window with this name",
        ),
        (lambda v: v.update(stream="rtsp://x"), ["stream"], "Extra inputs are not permitted"),
        (
            lambda v: v["lines"].update(gate={"points": [[0.1, 0.5], [0.9, 0.5]]}),
            ["lines", "gate", "inside"],
            "Field required",
        ),
    ],
)
def test_a_bad_view_is_refused_with_its_key_path_and_nothing_changes(
    store: Store, change: Any, loc: list[Any], words: str
) -> None:
    app = _app(store)
    before = _revision(store)
    with bearer_client(app, "admin") as admin:
        view = admin.get(f"/api/v1/cameras/{CAMERA}/view").json()["view"]
        view.setdefault("lines", {})
        change(view)
        refused = admin.put(f"/api/v1/cameras/{CAMERA}/view", json=view)
        assert refused.status_code == 422, refused.text
        problems = refused.json()["detail"]
        assert any(p["loc"] == ["body", *loc] and words in p["msg"] for p in problems), problems
        assert admin.get(f"/api/v1/cameras/{CAMERA}/view/versions").json()["count"] == 0
    assert _revision(store) == before


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"[1, 2]", "application/json"),
        (b"{not json", "application/json"),
        (b'"zones"', "application/json"),
        (b"zones: {}", "text/yaml"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ],
)
def test_a_malformed_body_gets_a_4xx(store: Store, body: bytes, content_type: str) -> None:
    app = _app(store)
    with bearer_client(app, "admin") as admin:
        answer = admin.put(
            f"/api/v1/cameras/{CAMERA}/view", content=body, headers={"Content-Type": content_type}
        )
    assert 400 <= answer.status_code < 500, answer.text


def test_others_read_the_view_but_may_not_change_it(store: Store) -> None:
    app = _app(store)
    with bearer_client(app, "officer") as officer:
        read = officer.get(f"/api/v1/cameras/{CAMERA}/view")
        assert read.status_code == 200 and read.json()["editable"] is False
        view = read.json()["view"]
        assert officer.put(f"/api/v1/cameras/{CAMERA}/view", json=view).status_code == 403
        assert officer.get(f"/api/v1/cameras/{CAMERA}/view/versions").status_code == 403
        assert officer.post(f"/api/v1/cameras/{CAMERA}/view/versions/1/restore").status_code == 403
    # An administrator of another station does not see the camera at all.
    with bearer_client(app, "south-admin") as south:
        assert south.get(f"/api/v1/cameras/{CAMERA}/view").status_code == 404
        assert south.put(f"/api/v1/cameras/{CAMERA}/view", json=view).status_code == 404
        assert south.get(f"/api/v1/cameras/{CAMERA}/view/versions").status_code == 404
    # A browser session needs its CSRF token for a change.
    with TestClient(app) as browser:
        token = log_in(browser, "admin")
        url = f"/api/v1/cameras/{CAMERA}/view"
        assert browser.put(url, json=view).status_code == 403
        assert browser.put(url, json=view, headers={"X-CSRF-Token": token}).status_code == 200


def test_a_camera_of_the_config_file_is_shown_and_not_changed(store: Store) -> None:
    app = _app(store)
    with bearer_client(app, "admin") as admin:
        read = admin.get("/api/v1/cameras/north-booth/view")
        assert read.status_code == 200, read.text
        assert (read.json()["source"], read.json()["editable"]) == ("config", False)
        assert "config file" in read.json()["reason"]
        refused = admin.put("/api/v1/cameras/north-booth/view", json={"zones": {}})
        assert refused.status_code == 409 and "config file" in refused.json()["detail"]
        assert admin.get("/api/v1/cameras/no-such-camera/view").status_code == 404
        text = read.text + admin.get(f"/api/v1/cameras/{CAMERA}/view").text
    assert PLANTED_PASSWORD not in text and CAMERA_PASSWORD not in text and "rtsp" not in text


def test_without_the_import_the_server_says_it_does_not_edit_cameras(store: Store) -> None:
    _app(store)
    with bearer_client(make_app(store), "admin") as admin:
        answer = admin.get(f"/api/v1/cameras/{CAMERA}/view")
    assert answer.status_code == 503 and "does not edit cameras" in answer.json()["detail"]


def test_the_camera_page_has_the_editor_for_administrators_only(store: Store) -> None:
    app = _app(store)
    with TestClient(app) as browser:
        log_in(browser, "admin")
        page = browser.get(f"/cameras/{CAMERA}")
        assert page.status_code == 200, page.text
        assert 'id="editor"' in page.text and "zone_editor.js" in page.text
        config_page = browser.get("/cameras/north-booth")
        assert config_page.status_code == 200 and 'id="editor"' not in config_page.text
        assert browser.get("/cameras/no-such-camera").status_code == 404
        text = page.text + config_page.text
    assert PLANTED_PASSWORD not in text and CAMERA_PASSWORD not in text and "rtsp" not in text
    with TestClient(app) as browser:
        log_in(browser, "officer")
        page = browser.get(f"/cameras/{CAMERA}")
        assert page.status_code == 200 and 'id="editor"' not in page.text
