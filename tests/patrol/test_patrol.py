"""The running patrol over the real RTSP simulator: dead cameras cost a bounded time, the rest goes on."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from patrol.cameras import build_sites
from patrol.clock import SystemClock
from patrol.config import parse_config
from patrol.look import Looker
from patrol.runtime import Patrol
from patrol.store import Store, sqlite_url
from patrol.store.tables import LookRow
from patrol.types import EventType, LookOutcome
from tests.conftest import free_port

PASSWORD = "Planted-Patrol-Secret-0b7"
OPEN_TIMEOUT_S = 2.0


def _config(rtsp_port: int, refused_port: int, silent_port: int) -> str:
    def camera(camera_id: str, port: int) -> dict[str, object]:
        return {
            "id": camera_id,
            "school": "s1",
            "name": camera_id,
            "role": "booth",
            "stream": f"rtsp://patrol:${{CAM_PW}}@127.0.0.1:{port}/s1/booth",
            "max_gap_s": 10,
            "zones": {"booth": [[0.3, 0.15], [0.7, 0.15], [0.7, 0.95], [0.3, 0.95]]},
            "rules": {"guard_absent": {"zone": "booth", "confirm_after_s": 60, "windows": ["always"]}},
        }

    return yaml.safe_dump(
        {
            "windows": {"always": [{"start": "00:00", "end": "24:00"}]},
            "sampling": {"workers": 3, "max_streams_per_school": 3, "open_timeout_s": OPEN_TIMEOUT_S},
            "schools": [{"id": "s1", "name": "School 1"}],
            "cameras": [
                camera("live", rtsp_port),
                camera("refused", refused_port),
                camera("silent", silent_port),
            ],
        }
    )


def test_dead_cameras_are_recorded_unreachable_within_their_timeout_and_the_patrol_goes_on(
    tmp_path: Path, detector, simulator_server, silent_camera_port: int, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    rtsp_port = simulator_server({"/s1/booth": "booth_staffed"}, PASSWORD)
    config = parse_config(_config(rtsp_port, free_port(), silent_camera_port), environ={"CAM_PW": PASSWORD})
    store = Store(sqlite_url(tmp_path), tmp_path / "evidence")
    store.create_schema()
    schools, cameras = build_sites(config)
    store.sync_sites(schools, [c.record() for c in cameras])
    clock = SystemClock()
    patrol = Patrol(
        cameras, store, Looker(detector, config.sampling, clock), clock, workers=3, max_per_school=3
    )

    patrol.start()
    time.sleep(25)
    patrol.stop()

    with store._sessions() as session:
        looks = list(session.scalars(select(LookRow)))
    by_camera: dict[str, list[LookRow]] = {}
    for look in looks:
        by_camera.setdefault(look.camera_id, []).append(look)
    assert {look.outcome for look in by_camera["live"]} == {LookOutcome.OK.value}
    assert len(by_camera["live"]) >= 2
    for dead in ("refused", "silent"):
        assert by_camera[dead], dead
        for look in by_camera[dead]:
            assert look.outcome == LookOutcome.UNREACHABLE.value
            took = (look.finished_at - look.started_at).total_seconds()
            assert took <= OPEN_TIMEOUT_S + 1.0, (dead, took)
        [event], _ = store.list_events(camera_id=dead)
        assert event.type is EventType.CAMERA_UNREACHABLE
        assert PASSWORD not in event.summary + str(event.details)
    assert store.list_events(camera_id="live")[1] == 0
    assert PASSWORD not in caplog.text
