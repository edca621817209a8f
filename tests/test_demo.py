"""End to end: `patrol demo` as a user runs it, over the real RTSP simulator and the real detector.

Within five minutes the three situations are flagged on the cameras whose scenes show them,
nothing is flagged on the normal school, no response or log line carries the camera password
or the demo users' passwords (shown once on stdout), and Ctrl-C stops everything cleanly.
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
METRICS_TOKEN = "Planted-Metrics-Token-8b2d"
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
) -> Iterator[tuple[str, Path, subprocess.Popen[bytes], dict[str, str]]]:  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("demo")
    rtsp_port, api_port = free_port(), free_port()
    config = (REPO / "config.yaml").read_text(encoding="utf-8")
    config = config.replace("127.0.0.1:8554", f"127.0.0.1:{rtsp_port}").replace(
        "port: 8554", f"port: {rtsp_port}"
    )
    config = config.replace("port: 8000", f"port: {api_port}").replace(
        "data_dir: data", f"data_dir: {work / 'data'}"
    )
    config = config.replace("onvif_port: 8899", "onvif_port: 0")  # any free ports
    (work / "config.yaml").write_text(config, encoding="utf-8")
    # The log is stderr; the terminal's stdout is where the demo shows its users' passwords.
    log_path, out_path = work / "demo.log", work / "demo.out"
    with open(log_path, "wb") as log, open(out_path, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "patrol.cli", "demo", "--config", str(work / "config.yaml")],
            cwd=REPO,
            stdout=out,
            stderr=log,
            env={**os.environ, "PATROL_CAMERA_PASSWORD": PASSWORD, "PATROL_METRICS_TOKEN": METRICS_TOKEN},
        )
    try:
        users: dict[str, str] = {}
        deadline = time.monotonic() + 120
        while len(users) < 4 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
            lines = out_path.read_text(encoding="utf-8").splitlines()
            users = {line.split()[0]: line.split()[2] for line in lines[1:] if len(line.split()) == 3}
        assert len(users) == 4, (
            out_path.read_text(encoding="utf-8") + log_path.read_text(encoding="utf-8")[-3000:]
        )
        base = f"http://127.0.0.1:{api_port}"
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield base, log_path, process, users
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _session(base: str, username: str, password: str) -> httpx.Client:
    """A browser-like session, logged in through the login form."""
    client = httpx.Client(base_url=base, timeout=10)
    form = client.get("/login").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert match, form[:500]
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": match.group(1)}
    )
    assert response.status_code == 303, response.text[:500]
    return client


def _events(client: httpx.Client) -> list[dict]:  # type: ignore[type-arg]
    response = client.get("/api/v1/events", params={"limit": 200})
    response.raise_for_status()
    return list(response.json()["data"])


def test_demo_flags_each_situation_on_its_camera_and_nothing_on_the_normal_school(demo) -> None:  # type: ignore[no-untyped-def]
    base, log_path, process, users = demo
    client = _session(base, "dispatcher", users["dispatcher"])
    assert httpx.get(f"{base}/api/v1/events", timeout=10).status_code == 401
    started = time.monotonic()
    found: dict[str, set[str]] = {}
    while time.monotonic() - started < DEADLINE_S:
        assert process.poll() is None, log_path.read_text()[-3000:]
        try:
            events = _events(client)
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
    base, _, _, users = demo
    client = _session(base, "officer", users["officer"])
    for event in _events(client):
        detail = client.get(f"/api/v1/events/{event['id']}").json()
        if not detail["evidence"]:
            continue
        picture = client.get(f"/api/v1/events/{event['id']}/evidence.jpg")
        assert picture.status_code == 200
        assert picture.content[:2] == b"\xff\xd8"
        assert hashlib.sha256(picture.content).hexdigest() == detail["evidence"][0]["sha256"]


def test_no_response_carries_the_camera_password(demo) -> None:  # type: ignore[no-untyped-def]
    base, _, _, users = demo
    client = _session(base, "admin", users["admin"])
    paths = ["/", "/healthz", "/api/v1/cameras", "/api/v1/events", "/openapi.json", "/api/v1/events/999999"]
    paths += ["/api/v1/audit", "/audit", "/api/v1/overview", "/api/v1/me"]
    paths += [f"/api/v1/events/{event['id']}" for event in _events(client)]
    paths += [f"/events/{event['id']}" for event in _events(client)]
    for path in paths:
        body = client.get(path).text
        assert PASSWORD not in body, path
        assert not any(password in body for password in users.values()), path


def _looks_total(text: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("patrol_looks_total{")
    )


def test_metrics_count_the_demos_looks_for_the_token_holder_only(demo) -> None:  # type: ignore[no-untyped-def]
    base, _, _, _ = demo
    assert httpx.get(f"{base}/metrics", timeout=10).status_code == 401
    assert httpx.get(f"{base}/readyz", timeout=10).json() == {"status": "ready", "reasons": []}
    assert httpx.get(f"{base}/healthz", timeout=10).json() == {"status": "ok"}
    headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    reads = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        response = httpx.get(f"{base}/metrics", headers=headers, timeout=10)
        assert response.status_code == 200
        reads.append(response.text)
        if len(reads) > 1 and 0 < _looks_total(reads[0]) < _looks_total(reads[-1]):
            break
        if _looks_total(reads[0]) == 0:
            reads.pop(0)  # no look finished yet: start counting from the first
        time.sleep(3)
    print(f"patrol_looks_total: {_looks_total(reads[0])} then {_looks_total(reads[-1])}")
    assert 0 < _looks_total(reads[0]) < _looks_total(reads[-1])
    assert 'patrol_look_duration_seconds_bucket{kind="random",le="+Inf"}' in reads[-1]
    assert "patrol_detector_latency_seconds_count" in reads[-1]


def test_an_on_demand_patrol_looks_at_every_camera_of_the_school_within_its_bound(demo) -> None:  # type: ignore[no-untyped-def]
    base, _, _, users = demo
    client = _session(base, "officer", users["officer"])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert csrf, "the dashboard carries the session's CSRF token"
    asked = client.post("/api/v1/schools/xihe-middle/patrol", headers={"X-CSRF-Token": csrf.group(1)})
    assert asked.status_code == 202, asked.text
    patrol = asked.json()
    assert (patrol["school_id"], patrol["requested_by"], patrol["cameras"]) == ("xihe-middle", "officer", 3)
    deadline = time.monotonic() + 180
    while patrol["completed_at"] is None and time.monotonic() < deadline:
        time.sleep(2)
        patrol = client.get(f"/api/v1/schools/xihe-middle/patrols/{patrol['id']}").json()
    print(f"on-demand patrol asked at {patrol['requested_at']}, done at {patrol['completed_at']}")
    assert patrol["completed_at"] is not None
    assert patrol["completed_at"] <= patrol["deadline_at"]
    supervisor = _session(base, "supervisor", users["supervisor"])
    entries = supervisor.get("/api/v1/audit", params={"action": "on_demand_patrol"}).json()["data"]
    assert [(e["username"], e["target"]) for e in entries] == [("officer", "school:xihe-middle")]


def test_ctrl_c_stops_the_demo_cleanly_and_the_log_keeps_the_password_out(demo) -> None:  # type: ignore[no-untyped-def]
    base, log_path, process, users = demo
    process.send_signal(signal.SIGINT)
    assert process.wait(60) == 0
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert PASSWORD not in log and METRICS_TOKEN not in log
    assert not any(password in log for password in users.values())
    assert "Traceback" not in log, log[-3000:]
    assert re.search(r"patrol stopped after \d+ looks", log)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/healthz", timeout=2)
