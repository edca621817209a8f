from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.support import Site


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
