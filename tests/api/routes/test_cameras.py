from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from patrol.snapshots import CameraSnapshots
from patrol.store import Store
from streams.rtsp import RtspSource
from tests.api.support import PLANTED_PASSWORD, Site, StillCameras, bearer_client, make_app
from tests.conftest import free_port


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["north-booth", "north-gate", "south-gate"]),
        ({"school": "north"}, ["north-booth", "north-gate"]),
        ({"school": "south"}, ["south-gate"]),
        ({"school": "nowhere"}, []),
    ],
)
def test_cameras_by_school(
    client: TestClient, site: Site, params: dict[str, str], expected: list[str]
) -> None:
    response = client.get("/api/v1/cameras", params=params)
    assert response.status_code == 200
    body = response.json()
    assert [camera["id"] for camera in body["data"]] == expected
    assert body["count"] == len(expected)


def test_camera_fields(client: TestClient, site: Site) -> None:
    cameras = {camera["id"]: camera for camera in client.get("/api/v1/cameras").json()["data"]}
    assert cameras["south-gate"] == {
        "id": "south-gate",
        "name": "南门内",
        "school_id": "south",
        "school_name": "南街中学",
        "role": "gate_inside",
        "stream_redacted": "rtsp://operator@10.20.2.11/h264/ch1/main",
    }
    assert cameras["north-booth"]["stream_redacted"] == "rtsp://admin@10.20.1.11:554/Streaming/Channels/101"


def test_one_camera(client: TestClient, site: Site) -> None:
    camera = client.get("/api/v1/cameras/north-gate").json()
    assert (camera["id"], camera["school_name"]) == ("north-gate", "北关小学")
    assert client.get("/api/v1/cameras/nowhere").status_code == 404
    assert client.get("/api/v1/cameras/..%2Fx").status_code in (404, 422)


def test_look_now_returns_a_fresh_jpeg(store: Store, site: Site) -> None:
    cameras = StillCameras()
    with bearer_client(make_app(store, snapshots=cameras)) as client:
        response = client.get("/api/v1/cameras/north-gate/snapshot.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-store"
    assert response.content[:2] == b"\xff\xd8"
    assert cameras.taken == ["north-gate"]


def test_look_now_without_cameras_in_this_process_is_503(store: Store, site: Site) -> None:
    with bearer_client(make_app(store)) as client:
        response = client.get("/api/v1/cameras/north-gate/snapshot.jpg")
    assert response.status_code == 503
    assert "not set up to reach cameras" in response.json()["detail"]


@pytest.mark.parametrize("dead", ["silent", "refused"])
def test_a_dead_camera_is_a_clear_gateway_error(
    store: Store, site: Site, silent_camera_port: int, dead: str
) -> None:
    port = silent_camera_port if dead == "silent" else free_port()
    url = f"rtsp://admin:{PLANTED_PASSWORD}@127.0.0.1:{port}/live"
    snapshots = CameraSnapshots({"north-gate": RtspSource(url, open_timeout_s=1.0, read_timeout_s=1.0)})
    with bearer_client(make_app(store, snapshots=snapshots)) as client:
        started = time.monotonic()
        response = client.get("/api/v1/cameras/north-gate/snapshot.jpg")
        waited = time.monotonic() - started
    assert response.status_code == (504 if dead == "silent" else 502), response.text
    detail = response.json()["detail"]
    assert detail.startswith("camera north-gate ")
    assert PLANTED_PASSWORD not in response.text
    assert waited < 3


def test_a_labelled_view_no_rule_declares_is_refused_and_only_administrators_take_one(
    store: Store, site: Site
) -> None:
    cameras = StillCameras()
    app = make_app(store, snapshots=cameras)
    with bearer_client(app, "supervisor") as supervisor:
        assert supervisor.post("/api/v1/cameras/north-gate/reference-views/closed").status_code == 403
    with bearer_client(app, "admin") as admin:
        refused = admin.post("/api/v1/cameras/north-gate/reference-views/ajar")
        assert admin.post("/api/v1/cameras/nowhere/reference-views/ajar").status_code == 404
    assert refused.status_code == 400
    assert "no rule declares a reference view 'ajar'" in refused.json()["detail"]
    assert cameras.taken == []


def test_an_administrator_takes_the_gate_s_closed_view_from_a_snapshot(store: Store, site: Site) -> None:

    cameras = StillCameras()
    with bearer_client(make_app(store, snapshots=cameras), "admin") as admin:
        taken = admin.post("/api/v1/cameras/north-gate/reference-views/closed")
        assert taken.status_code == 200, taken.text
        [entry] = admin.get("/api/v1/audit", params={"action": "labelled_view_taken"}).json()["data"]
    assert cameras.taken == ["north-gate"]
    body = taken.json()
    assert (body["camera_id"], body["label"]) == ("north-gate", "closed")
    kept = store.views.of_camera("north-gate")
    assert list(kept) == ["closed"]
    assert kept["closed"].jpeg[:2] == b"\xff\xd8"
    assert (kept["closed"].sha256, kept["closed"].taken_by) == (body["sha256"], "admin")
    assert entry["target"] == "camera:north-gate"


def test_the_gate_reference_route_takes_the_view_of_the_state_named(store: Store, site: Site) -> None:
    cameras = StillCameras()
    with bearer_client(make_app(store, snapshots=cameras), "admin") as admin:
        taken = admin.post("/api/v1/cameras/north-gate/gate-reference", params={"state": "open"})
        ajar = admin.post("/api/v1/cameras/north-gate/gate-reference", params={"state": "ajar"})
        missing = admin.post("/api/v1/cameras/north-gate/gate-reference")
    assert taken.status_code == 200, taken.text
    assert (taken.json()["label"], list(store.views.of_camera("north-gate"))) == ("open", ["open"])
    assert (ajar.status_code, ajar.json()["detail"][0]["loc"]) == (422, ["query", "state"])
    assert (missing.status_code, missing.json()["detail"][0]["loc"]) == (422, ["query", "state"])
    assert cameras.taken == ["north-gate"]
