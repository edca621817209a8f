"""A camera password written into a stream's path or query (`/user=admin&password=...&channel=1`,
`?pwd=...`, as several camera brands write them) is masked like one in `user:password@`: it reaches
no API answer, no log line, no stream error, no event text and no report."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from patrol.cameras import build_sites
from patrol.config import config_secrets, parse_config
from patrol.logs import RedactingFormatter
from patrol.look import Looker
from patrol.snapshots import CameraSnapshots
from patrol.store import Store
from patrol.types import LookKind, LookOutcome
from streams.errors import StreamError
from tests.api.support import T0, SettableClock, bearer_client, make_app
from tests.conftest import free_port

PLANTED = "Qz8-planted-Pw-41"
CONFIG_YAML = """
sampling: {open_timeout_s: 3, read_timeout_s: 2}
schools:
  - {id: north, name: 北关小学}
  - {id: south, name: 南街中学}
cameras:
  - {id: north-gate, school: north, name: 北门外, role: gate_outside,
     stream: "rtsp://127.0.0.1:LIVE_PORT/user=admin&password=${CAM_PW}&channel=1"}
  - {id: south-gate, school: south, name: 南门内, role: gate_inside,
     stream: "rtsp://127.0.0.1:DEAD_PORT/Streaming/Channels/101?user=admin&pwd=${CAM_PW}"}
"""


@pytest.fixture
def log_lines() -> Iterator[Callable[[RedactingFormatter], io.StringIO]]:
    """Every log line of the test, through the patrol's redacting formatter."""
    root, handlers = logging.getLogger(), []
    level = root.level

    def capture(formatter: RedactingFormatter) -> io.StringIO:
        out = io.StringIO()
        handler = logging.StreamHandler(out)
        handler.setFormatter(formatter)
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        handlers.append(handler)
        return out

    yield capture
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(level)


def test_a_password_in_a_streams_path_or_query_reaches_no_answer_log_or_error(
    store: Store,
    simulator_server: Callable[[dict[str, str], str], int],
    detector,  # type: ignore[no-untyped-def]
    log_lines: Callable[[RedactingFormatter], io.StringIO],
) -> None:
    # A real RTSP server without that path (it answers 404), and a port nobody serves.
    live_port = simulator_server({"/gate": "gate_walk_in"}, "Simulator-Pass-5")
    text = CONFIG_YAML.replace("LIVE_PORT", str(live_port)).replace("DEAD_PORT", str(free_port()))
    config = parse_config(text, environ={"CAM_PW": PLANTED})
    assert all(PLANTED in camera.stream.get_secret_value() for camera in config.cameras)
    secrets = config_secrets(config)
    lines = log_lines(RedactingFormatter("%(levelname)s %(name)s: %(message)s", secrets))

    schools, cameras = build_sites(config)
    store.sync_sites(schools, [camera.record() for camera in cameras])
    looker = Looker(detector, config.sampling, SettableClock(T0))
    errors: list[str] = []
    for camera in cameras:
        report = looker.look(camera, LookKind.RANDOM)
        assert report.record.outcome in {LookOutcome.AUTH_REFUSED, LookOutcome.UNREACHABLE}
        errors.append(report.record.detail or "")
        for finding in report.findings:
            store.record_finding(finding)
        with pytest.raises(StreamError) as caught, camera.source.open() as stream:
            stream.keyframe()
        errors.append(str(caught.value))
    # Careless lines: the raw address, and the password alone.
    logging.getLogger("tests").warning("opening %s", cameras[0].source.url)
    logging.getLogger("tests").warning("retrying with %s", PLANTED)

    app = make_app(store, snapshots=CameraSnapshots.from_config(config), secrets=secrets)
    period = {"from": T0.isoformat(), "to": (T0 + timedelta(days=1)).isoformat()}
    answers: dict[str, str] = {}
    with bearer_client(app, "admin") as client:
        for url in ("/api/v1/cameras", "/api/v1/events", "/api/v1/audit"):
            answers[url] = client.get(url).text
        for camera in cameras:
            url = f"/api/v1/cameras/{camera.id}"
            answers[url] = client.get(url).text
            looked = client.get(f"{url}/snapshot.jpg")
            assert looked.status_code in (502, 504), looked.text
            answers[f"{url}/snapshot.jpg"] = looked.text
        events = client.get("/api/v1/events").json()["data"]
        assert sorted(event["camera_id"] for event in events) == ["north-gate", "south-gate"]
        for event in events:
            for url in (f"/api/v1/events/{event['id']}", f"/events/{event['id']}"):
                answers[url] = client.get(url).text
        for page in ("/", "/audit"):  # the dashboard and the audit log as pages
            shown = client.get(page)
            assert shown.status_code == 200 and "<html" in shown.text, page
            answers[page] = shown.text
        answers["report.csv"] = client.get("/api/v1/reports", params={**period, "format": "csv"}).text

    logged = lines.getvalue()
    assert "camera north-gate" in logged and "opening rtsp://127.0.0.1" in logged
    for where, body in {**answers, "log": logged, **{f"error {n}": e for n, e in enumerate(errors)}}.items():
        assert PLANTED not in body, where
    # What is shown keeps everything but the password.
    cameras_answer = answers["/api/v1/cameras"]
    assert f"rtsp://127.0.0.1:{live_port}/user=admin&password=***&channel=1" in cameras_answer
    assert "/Streaming/Channels/101?user=admin&pwd=***" in cameras_answer
