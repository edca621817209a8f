"""The running patrol over the real RTSP simulator: dead cameras cost a bounded time, the rest goes on."""

from __future__ import annotations

import itertools
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from patrol.cameras import PatrolCamera, build_sites
from patrol.clock import SystemClock
from patrol.config import PatrolConfig, parse_config
from patrol.look import Looker, LookReport
from patrol.planner import SchoolCalendar
from patrol.records import LookRecord
from patrol.runtime import Patrol, UnknownSchool
from patrol.store import Store, sqlite_url
from patrol.store.tables import LookRow
from patrol.types import CameraRole, EventType, LookKind, LookOutcome
from tests.api.support import make_app
from tests.conftest import free_port
from tests.patrol.support import AROUND_THE_CLOCK, around_the_clock, patrol_of

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
            "calendar": AROUND_THE_CLOCK,
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
    patrol, store = patrol_of(config, detector, tmp_path)

    patrol.start()
    time.sleep(25)
    patrol.stop()

    with store.database.sessions() as session:
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


def _site(tmp_path: Path, config: PatrolConfig) -> tuple[Store, list[PatrolCamera]]:
    store = Store(sqlite_url(tmp_path), tmp_path / "evidence")
    store.create_schema()
    schools, cameras = build_sites(config)
    store.sync_sites(schools, [c.record() for c in cameras])
    return store, cameras


def test_an_on_demand_patrol_looks_at_every_camera_of_the_school_within_the_bound_and_is_recorded(
    tmp_path: Path, detector, simulator_server
) -> None:  # type: ignore[no-untyped-def]
    port = simulator_server(
        {"/s1/booth": "booth_staffed", "/s1/gate": "gate_registered", "/s2/booth": "booth_staffed"}, PASSWORD
    )

    def camera(camera_id: str, school: str, role: str, path: str) -> dict[str, object]:
        return {
            "id": camera_id,
            "school": school,
            "name": camera_id,
            "role": role,
            "stream": f"rtsp://patrol:${{CAM_PW}}@127.0.0.1:{port}{path}",
        }

    text = yaml.safe_dump(
        {
            # Random looks about once in two hours, so what happens now is the on-demand patrol.
            "calendar": around_the_clock(max_gap_s=7 * 86400, looks_per_hour=0.5),
            "sampling": {"workers": 2, "max_streams_per_school": 2, "mean_gap_fraction": 1.0},
            "schools": [{"id": "s1", "name": "School 1"}, {"id": "s2", "name": "School 2"}],
            "cameras": [
                camera("s1-booth", "s1", "booth", "/s1/booth"),
                camera("s1-gate", "s1", "gate_inside", "/s1/gate"),
                camera("s2-booth", "s2", "booth", "/s2/booth"),
            ],
        }
    )
    config = parse_config(text, environ={"CAM_PW": PASSWORD})
    store, cameras = _site(tmp_path, config)
    clock = SystemClock()
    patrol = Patrol(
        cameras,
        store,
        Looker(detector, config.sampling, clock),
        clock,
        calendar=SchoolCalendar.from_config(config.calendar, config.sampling, config.timezone),
        workers=2,
        max_per_school=2,
        on_demand_within_s=60,
    )
    patrol.start()
    try:
        with pytest.raises(UnknownSchool):
            patrol.request_on_demand("s9", "officer Li")
        asked = patrol.request_on_demand("s1", "officer Li")
        deadline = time.monotonic() + 60
        while store.get_on_demand(asked.id).completed_at is None and time.monotonic() < deadline:
            time.sleep(0.2)
        status = patrol.status()
    finally:
        patrol.stop()

    done = store.get_on_demand(asked.id)
    assert (done.school_id, done.requested_by, done.cameras) == ("s1", "officer Li", 2)
    assert done.deadline_at == done.requested_at + timedelta(seconds=60)
    assert done.completed_at is not None and done.requested_at < done.completed_at <= done.deadline_at
    assert store.list_on_demand(school_id="s1") == [done]
    with store.database.sessions() as session:
        looks = list(session.scalars(select(LookRow).where(LookRow.kind == LookKind.ON_DEMAND.value)))
    by_camera = {look.camera_id: look for look in looks}
    assert set(by_camera) == {"s1-booth", "s1-gate"}
    for look in by_camera.values():
        assert done.requested_at <= look.started_at and look.finished_at <= done.completed_at
        assert look.outcome == LookOutcome.OK.value
    assert status["on_demand"] == {"requests": 1, "late": 0}


class InstantLooker:
    """A working stand-in for the looker: answers at once, sometimes asking for a follow-up."""

    def __init__(self, clock: SystemClock) -> None:
        self._clock = clock
        self._count = itertools.count()

    def look(self, camera: PatrolCamera, kind: LookKind) -> LookReport:
        started = self._clock.now()
        time.sleep(0.01)
        record = LookRecord(camera.id, kind, started, self._clock.now(), LookOutcome.OK, frames=1)
        follow_up = 2.0 if next(self._count) % 7 == 0 else None
        return LookReport(record, follow_up_in_s=follow_up)


def _renderings(at: float) -> set[str]:
    """Ways a log line or figure could spell a moment."""
    moments = [datetime.fromtimestamp(at, UTC), datetime.fromtimestamp(at, ZoneInfo("Asia/Shanghai"))]
    texts = {repr(at), f"{at:.0f}", f"{at:.1f}", f"{at:.2f}", f"{at:.3f}"}
    for moment in moments:
        texts |= {moment.isoformat(), moment.isoformat(timespec="seconds"), moment.strftime("%H:%M:%S")}
    return texts


def test_no_log_line_or_status_figure_tells_a_future_visit_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = parse_config(
        yaml.safe_dump(
            {
                "calendar": around_the_clock(max_gap_s=10, looks_per_hour=3600),
                "schools": [{"id": f"s{s}", "name": f"School {s}"} for s in range(3)],
                "cameras": [
                    {
                        "id": f"s{s}-c{c}",
                        "school": f"s{s}",
                        "name": "camera",
                        "role": role.value,
                        "stream": "rtsp://127.0.0.1:9/never-opened",
                    }
                    for s in range(3)
                    for c, role in enumerate(list(CameraRole) * 2)
                ],
            }
        )
    )
    store, cameras = _site(tmp_path, config)
    clock = SystemClock()
    patrol = Patrol(
        cameras,
        store,
        InstantLooker(clock),
        clock,
        calendar=SchoolCalendar.from_config(config.calendar, config.sampling, config.timezone),
        workers=3,
        max_per_school=2,
    )
    planned: set[float] = set()
    statuses = []
    caplog.set_level(logging.DEBUG)
    patrol.start()
    try:
        started = time.monotonic()
        while time.monotonic() - started < 4:
            with patrol._lock:
                now = clock.now().timestamp()
                for camera in patrol._plan._cameras:
                    for at in (camera.next_random_at, camera.guard_at, camera.deadline, camera.follow_up_at):
                        if at is not None and now < at < float("inf"):
                            planned.add(at)
            if len(statuses) < 3 and time.monotonic() - started > len(statuses):
                patrol.request_on_demand("s1", "officer Zhao")
                statuses.append(patrol.status())
            time.sleep(0.02)
        statuses.append(patrol.status())
        with TestClient(make_app(store, patrol=patrol)) as client:
            statuses.append(client.get("/healthz").json())
            statuses.append(client.get("/readyz").json())
        statuses.append({"metrics": patrol.metrics.exposition().decode()})
    finally:
        patrol.stop()

    assert patrol.status()["looks_done"] > 20 and len(planned) > 100
    shown = [record.getMessage() for record in caplog.records] + [json.dumps(s) for s in statuses]
    assert any("on-demand patrol" in line for line in shown)
    text = "\n".join(shown)
    leaked = [spelled for at in planned for spelled in _renderings(at) if spelled in text]
    assert leaked == []
