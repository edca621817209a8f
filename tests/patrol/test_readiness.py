"""Readiness tells a patrol that no longer works from one that does; liveness stays with the process."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from patrol.cameras import PatrolCamera, build_sites
from patrol.config import parse_config
from patrol.look import LookReport
from patrol.planner import SchoolCalendar
from patrol.records import LookRecord
from patrol.runtime import Patrol
from patrol.store import Store
from patrol.types import LookKind, LookOutcome
from tests.api.support import T0, SettableClock, make_app
from tests.patrol.support import MAX_GAP_S, around_the_clock, often_looked_at, patrol_of

PASSWORD = "Planted-Readiness-Secret-9a3"


def test_a_killed_dispatcher_makes_the_process_not_ready_and_leaves_it_alive(
    tmp_path: Path, detector, simulator_server
) -> None:  # type: ignore[no-untyped-def]
    port = simulator_server({"/s1/booth": "booth_staffed"}, PASSWORD)
    config = parse_config(often_looked_at(port), environ={"CAM_PW": PASSWORD})
    patrol, store = patrol_of(config, detector, tmp_path)
    patrol.start()
    try:
        with TestClient(make_app(store, patrol=patrol)) as client:
            assert client.get("/readyz").json() == {"status": "ready", "reasons": []}
            deadline = time.monotonic() + 60
            while patrol.status()["looks_done"] == 0 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert client.get("/readyz").status_code == 200

            patrol.kill_dispatcher()
            killed = time.monotonic()
            while (ready := client.get("/readyz")).status_code == 200:
                assert time.monotonic() - killed < 3 * MAX_GAP_S, "still ready 3 maximum gaps after"
                time.sleep(0.2)
            assert ready.status_code == 503
            assert ready.json() == {
                "status": "not ready",
                "reasons": ["the patrol's dispatcher thread has stopped"],
            }
            health = client.get("/healthz")
            assert (health.status_code, health.json()) == (200, {"status": "ok"})
    finally:
        patrol.stop()
        store.close()


class HeldLooker:
    """A working stand-in for the looker whose looks hang until released, like a stuck decoder."""

    def __init__(self, clock: SettableClock) -> None:
        self._clock = clock
        self.release = threading.Event()
        self.started = threading.Semaphore(0)

    def look(self, camera: PatrolCamera, kind: LookKind) -> LookReport:
        started = self._clock.now()
        self.started.release()
        self.release.wait(30)
        return LookReport(LookRecord(camera.id, kind, started, self._clock.now(), LookOutcome.OK, frames=1))


def test_looks_that_stop_finishing_make_the_process_not_ready_after_three_maximum_gaps(
    tmp_path: Path, store: Store
) -> None:
    max_gap_s = 600
    config = parse_config(
        yaml.safe_dump(
            {
                "calendar": around_the_clock(max_gap_s=max_gap_s, looks_per_hour=3600),
                "schools": [{"id": "s1", "name": "School 1"}],
                "cameras": [
                    {
                        "id": "c1",
                        "school": "s1",
                        "name": "c1",
                        "role": "booth",
                        "stream": "rtsp://127.0.0.1:9/x",
                    }
                ],
            }
        )
    )
    schools, cameras = build_sites(config)
    store.sync_sites(schools, [camera.record() for camera in cameras])
    clock = SettableClock(T0)
    looker = HeldLooker(clock)
    patrol = Patrol(
        cameras,
        store,
        looker,
        clock,
        calendar=SchoolCalendar.from_config(config.calendar, config.sampling, config.timezone),
        workers=1,
        max_per_school=1,
    )
    patrol.start()
    try:
        # The clock stands still: move it to where a look is due at the latest.
        clock.advance(max_gap_s)
        assert looker.started.acquire(timeout=10), "the patrol dispatched a look"
        assert patrol.readiness_problem() is None
        # Counted from the start, as no look has finished yet.
        clock.advance(3 * max_gap_s - 1 - (clock.now() - T0).total_seconds())
        assert patrol.readiness_problem() is None
        clock.advance(2)
        assert patrol.readiness_problem() == "no look finished in 1801 s (3 × the maximum gap is 1800 s)"
        with TestClient(make_app(store, patrol=patrol, clock=clock)) as client:
            response = client.get("/readyz")
            assert response.status_code == 503
            assert response.json()["reasons"] == [patrol.readiness_problem()]
            assert client.get("/healthz").status_code == 200

        looker.release.set()
        deadline = time.monotonic() + 10
        while patrol.status()["looks_done"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        # A look finished again: ready again.
        assert patrol.readiness_problem() is None
    finally:
        looker.release.set()
        patrol.stop()
