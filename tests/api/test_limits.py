"""What one user may cost: "look now" pictures per minute and per camera and school, live feeds
held at once, on-demand patrols per school, and the size of a report. Over a limit: 429 with
Retry-After (a report too large: 422, before it is built)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import httpx

from patrol.store import Store
from patrol.stream_slots import StreamSlots
from tests.api.live import served
from tests.api.routes.test_schools import RecordingPatrol
from tests.api.support import (
    DECIDED_AT,
    SETTINGS,
    SettableClock,
    Site,
    StillCameras,
    bearer_client,
    make_app,
    token_for,
)

SNAPSHOT = "/api/v1/cameras/{camera}/snapshot.jpg"


def test_look_now_is_limited_per_user_per_minute(store: Store, site: Site) -> None:
    clock = SettableClock(DECIDED_AT)
    cameras = StillCameras()
    app = make_app(store, replace(SETTINGS, snapshots_per_user_per_minute=3), snapshots=cameras, clock=clock)
    with bearer_client(app, "officer") as officer, bearer_client(app, "supervisor") as supervisor:
        for _ in range(3):
            assert officer.get(SNAPSHOT.format(camera="north-gate")).status_code == 200
            clock.advance(10)
        refused = officer.get(SNAPSHOT.format(camera="south-gate"))
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "30"  # the first of the three leaves the window then
        assert supervisor.get(SNAPSHOT.format(camera="south-gate")).status_code == 200  # per user
        clock.advance(30)
        assert officer.get(SNAPSHOT.format(camera="south-gate")).status_code == 200
    assert len(cameras.taken) == 5


def test_look_now_shares_the_patrols_stream_slots(store: Store, site: Site) -> None:
    slots = StreamSlots(per_school=2)
    app = make_app(store, snapshots=StillCameras(), stream_slots=slots)
    with bearer_client(app, "officer") as officer:
        assert slots.try_take("north-booth", "north")  # the patrol is looking at the booth
        busy = officer.get(SNAPSHOT.format(camera="north-booth"))
        assert busy.status_code == 429 and busy.headers["retry-after"] == "5"
        assert "north-booth" in busy.json()["detail"]
        assert slots.try_take("other-north-camera", "north")  # a second look fills the school
        full = officer.get(SNAPSHOT.format(camera="north-gate"))
        assert full.status_code == 429
        assert officer.get(SNAPSHOT.format(camera="south-gate")).status_code == 200  # another school
        slots.release("north-booth", "north")
        assert officer.get(SNAPSHOT.format(camera="north-gate")).status_code == 200
    assert slots.open_at("north") == 1 and slots.open_at("south") == 0  # the snapshots gave theirs back


class GatedCameras(StillCameras):
    """Cameras that answer only when the test lets them: a snapshot in progress, held open."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.answer = threading.Event()

    def snapshot(self, camera_id: str) -> bytes:
        self.entered.set()
        assert self.answer.wait(30)
        return super().snapshot(camera_id)


def test_one_camera_gets_one_look_now_at_a_time(store: Store, site: Site) -> None:
    cameras = GatedCameras()
    app = make_app(store, snapshots=cameras)
    statuses: list[int] = []
    with bearer_client(app, "officer") as officer, bearer_client(app, "supervisor") as supervisor:
        first = threading.Thread(
            target=lambda: statuses.append(officer.get(SNAPSHOT.format(camera="north-gate")).status_code)
        )
        first.start()
        assert cameras.entered.wait(30)
        assert supervisor.get(SNAPSHOT.format(camera="north-gate")).status_code == 429
        cameras.answer.set()
        first.join(30)
    assert statuses == [200]


def test_live_feeds_are_capped_per_user(store: Store, site: Site) -> None:
    app = make_app(store, replace(SETTINGS, live_feeds_per_user=1))
    officer = {"Authorization": f"Bearer {token_for(app, 'officer')}"}
    supervisor = {"Authorization": f"Bearer {token_for(app, 'supervisor')}"}
    with served(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        with client.stream("GET", "/api/v1/events/stream", headers=officer) as held:
            assert held.status_code == 200
            second = client.get("/api/v1/events/stream", headers=officer)
            assert second.status_code == 429 and second.headers["retry-after"] == "30"
            with client.stream("GET", "/api/v1/events/stream", headers=supervisor) as other:
                assert other.status_code == 200  # the cap is per user
        # Closed: the server notices on its next poll and the place is free again.
        deadline = time.monotonic() + 20
        while True:
            with client.stream("GET", "/api/v1/events/stream", headers=officer) as again:
                if again.status_code == 200:
                    break
            assert time.monotonic() < deadline, "the closed feed's place was never given back"
            time.sleep(0.2)


def test_on_demand_patrols_of_a_school_wait_for_the_cooldown(store: Store, site: Site) -> None:
    clock = SettableClock(DECIDED_AT)
    app = make_app(
        store, replace(SETTINGS, on_demand_cooldown_s=300), patrol=RecordingPatrol(store), clock=clock
    )
    with bearer_client(app, "officer") as officer, bearer_client(app, "supervisor") as supervisor:
        assert officer.post("/api/v1/schools/north/patrol").status_code == 202
        clock.advance(100)
        again = supervisor.post("/api/v1/schools/north/patrol")  # per school, whoever asks
        assert again.status_code == 429 and again.headers["retry-after"] == "200"
        assert officer.post("/api/v1/schools/south/patrol").status_code == 202
        clock.advance(200)
        assert supervisor.post("/api/v1/schools/north/patrol").status_code == 202
    assert len(store.list_on_demand(school_id="north")) == 2


def test_a_report_over_the_size_limit_is_refused_before_it_is_built(store: Store, site: Site) -> None:
    period = {"from": "2025-03-03T00:00:00Z", "to": "2025-03-04T00:00:00Z", "format": "csv"}
    app = make_app(store, replace(SETTINGS, report_max_findings=4))
    with bearer_client(app, "supervisor") as supervisor:
        refused = supervisor.get("/api/v1/reports", params=period)
        assert refused.status_code == 422
        assert "about 5 findings, more than the 4" in refused.json()["detail"][0]["msg"]
        north = make_app(store, replace(SETTINGS, report_max_findings=3))
    with bearer_client(north, "north-supervisor") as station:
        assert station.get("/api/v1/reports", params=period).status_code == 200  # 3 in its schools
    exports, _ = store.list_audit(username="supervisor")
    assert exports == []
