"""End to end: `patrol demo` as a user runs it, over the real RTSP simulator and the real detector.

Within five minutes the three situations are flagged on the cameras whose scenes show them,
nothing is flagged on the normal school, no response or log line carries the camera password,
and Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, free_port

pytestmark = pytest.mark.slow

PASSWORD = "Planted-Demo-Secret-4c1e"
EXPECTED = {
    "xihe-booth": "guard_absent",
    "xihe-gate": "unregistered_entry",
    "xihe-street": "loitering",
}
NORMAL_CAMERAS = {"dongcheng-booth", "dongcheng-gate", "dongcheng-street"}
DEADLINE_S = 300


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, detector
) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("demo")
    rtsp_port, api_port = free_port(), free_port()
    config = (REPO / "config.yaml").read_text(encoding="utf-8")
    config = config.replace("127.0.0.1:8554", f"127.0.0.1:{rtsp_port}").replace(
        "port: 8554", f"port: {rtsp_port}"
    )
    config = config.replace("port: 8000", f"port: {api_port}").replace(
        "data_dir: data", f"data_dir: {work / 'data'}"
    )
    (work / "config.yaml").write_text(config, encoding="utf-8")
    log_path = work / "demo.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "patrol.cli", "demo", "--config", str(work / "config.yaml")],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PATROL_CAMERA_PASSWORD": PASSWORD},
        )
    try:
        yield f"http://127.0.0.1:{api_port}", log_path, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _events(base: str) -> list[dict]:  # type: ignore[type-arg]
    response = httpx.get(f"{base}/api/v1/events", params={"limit": 200}, timeout=10)
    response.raise_for_status()
    return list(response.json()["data"])


def test_demo_flags_each_situation_on_its_camera_and_nothing_on_the_normal_school(demo) -> None:  # type: ignore[no-untyped-def]
    base, log_path, process = demo
    started = time.monotonic()
    found: dict[str, set[str]] = {}
    while time.monotonic() - started < DEADLINE_S:
        assert process.poll() is None, log_path.read_text()[-3000:]
        try:
            events = _events(base)
        except httpx.HTTPError:
            events = []
        found = {}
        for event in events:
            found.setdefault(event["camera_id"], set()).add(event["type"])
        if all(kind in found.get(camera, set()) for camera, kind in EXPECTED.items()):
            break
        time.sleep(5)
    took = time.monotonic() - started
    print(f"all three situations flagged after {took:.0f} s: {found}")
    for camera, kind in EXPECTED.items():
        assert found.get(camera) == {kind}, (found, log_path.read_text()[-3000:])
    assert not NORMAL_CAMERAS & found.keys(), found


def test_evidence_is_served_with_its_recorded_hash(demo) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = demo
    for event in _events(base):
        detail = httpx.get(f"{base}/api/v1/events/{event['id']}", timeout=10).json()
        if not detail["evidence"]:
            continue
        picture = httpx.get(f"{base}/api/v1/events/{event['id']}/evidence.jpg", timeout=10)
        assert picture.status_code == 200
        assert picture.content[:2] == b"\xff\xd8"
        assert hashlib.sha256(picture.content).hexdigest() == detail["evidence"][0]["sha256"]


def test_no_response_carries_the_camera_password(demo) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = demo
    paths = ["/", "/healthz", "/api/v1/cameras", "/api/v1/events", "/openapi.json", "/api/v1/events/999999"]
    paths += [f"/api/v1/events/{event['id']}" for event in _events(base)]
    for path in paths:
        body = httpx.get(f"{base}{path}", timeout=10).text
        assert PASSWORD not in body, path


def test_ctrl_c_stops_the_demo_cleanly_and_the_log_keeps_the_password_out(demo) -> None:  # type: ignore[no-untyped-def]
    base, log_path, process = demo
    process.send_signal(signal.SIGINT)
    assert process.wait(60) == 0
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert PASSWORD not in log
    assert "Traceback" not in log, log[-3000:]
    assert re.search(r"patrol stopped after \d+ looks", log)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/healthz", timeout=2)
