"""The running patrol takes cameras imported, re-imported and removed while it runs, without a
restart: real import, real store, the real RTSP simulator and detector, the real refresh thread."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from patrol.cameras import PatrolCamera, build_camera
from patrol.clock import SystemClock
from patrol.config import parse_config
from patrol.county.messages import LookOrder
from patrol.county.worker import WorkerLooks
from patrol.look import LookReport
from patrol.planner import SchoolCalendar
from patrol.records import LookRecord
from patrol.registry.actor import Actor
from patrol.registry.directory import CameraDirectory
from patrol.registry.importer import CameraImporter
from patrol.registry.refresh import CameraRefresh, start_camera_refresh
from patrol.runtime import Patrol
from patrol.store import Store, sqlite_url
from patrol.store.camera_imports import CameraImports
from patrol.store.tables import LookRow
from patrol.types import LookKind, LookOutcome
from tests.api.support import bearer_client, make_app
from tests.conftest import free_port
from tests.patrol.planner.support import around_the_clock
from tests.patrol.registry.county import csv_bytes
from tests.patrol.registry.refreshes import begun_after, change_taken
from tests.patrol.support import patrol_of

PASSWORD = "Refresh-Cam-Pa55-71c3"
VARIABLE = "REFRESH_CAMERA_PASSWORD"
ENVIRON = {VARIABLE: PASSWORD}
ADMIN = Actor("admin", "administrator", "county", "127.0.0.1")
COLUMNS = ("id", "school", "name", "role", "stream", "username", "credentials", "template")
REFRESH_S = 2
MAX_GAP_S = 10
# A new camera is planned within one refresh, and looked at within its maximum gap of that,
# with a look's own time (an RTSP open, a snapshot, the detector) on top.
FIRST_LOOK_WITHIN_S = REFRESH_S + MAX_GAP_S + 10
BOOTH = [[0.3, 0.15], [0.7, 0.15], [0.7, 0.95], [0.3, 0.95]]
CORNER = [[0.0, 0.0], [0.08, 0.0], [0.08, 0.08], [0.0, 0.08]]  # where no guard ever stands


def _config(port: int) -> str:
    def view(zone: list[list[float]]) -> dict[str, object]:
        return {
            "zones": {"booth": zone},
            "rules": {"guard_absent": {"zone": "booth", "confirm_after_s": 60, "windows": ["always"]}},
        }

    return yaml.safe_dump(
        {
            "windows": {"always": [{"start": "00:00", "end": "24:00"}]},
            "calendar": around_the_clock(max_gap_s=MAX_GAP_S, looks_per_hour=720),
            "sampling": {"workers": 2, "max_streams_per_school": 1, "open_timeout_s": 3.0},
            "registry": {"refresh_s": REFRESH_S},
            "schools": [{"id": "s1", "name": "一中"}, {"id": "s2", "name": "二中"}],
            "cameras": [
                {
                    "id": "config-booth",
                    "school": "s1",
                    "name": "门卫室",
                    "role": "booth",
                    "stream": f"rtsp://patrol:${{{VARIABLE}}}@127.0.0.1:{port}/s1/booth",
                    **view(BOOTH),
                }
            ],
            "templates": {"booth": view(BOOTH), "booth-corner": view(CORNER)},
        },
        allow_unicode=True,
    )


def _row(stream: str, template: str = "") -> dict[str, str]:
    return {
        "id": "34020200001310000042",
        "school": "s2",
        "name": "新门卫室",
        "role": "booth",
        "stream": stream,
        "username": "patrol",
        "credentials": VARIABLE,
        "template": template,
    }


def _looks(store: Store, camera_id: str) -> list[LookRow]:
    with store.database.sessions() as session:
        query = select(LookRow).where(LookRow.camera_id == camera_id).order_by(LookRow.id)
        return list(session.scalars(query))


def _wait_for(check: Callable[[], list[LookRow]], within_s: float) -> tuple[list[LookRow], float]:
    started = time.monotonic()
    while time.monotonic() - started < within_s:
        found = check()
        if found:
            return found, time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"nothing within {within_s} s")


def test_the_running_patrol_takes_cameras_imported_changed_and_removed_while_it_runs(  # type: ignore[no-untyped-def]
    detector, simulator_server, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    port = simulator_server({"/s1/booth": "booth_staffed", "/s2/booth": "booth_staffed"}, PASSWORD)
    config = parse_config(_config(port), environ=ENVIRON)
    patrol, store = patrol_of(config, detector, tmp_path)
    importer = CameraImporter(config, store, environ=ENVIRON)
    imports = CameraImports(store)
    directory = CameraDirectory(config, imports.list, environ=ENVIRON, known=imports.list())
    camera_id = _row("")["id"]
    patrol.start()
    refresh = start_camera_refresh(config, directory, [patrol])
    try:
        # Imported while the patrol runs: planned within a refresh, looked at within its maximum gap.
        stream = f"rtsp://127.0.0.1:{port}/s2/booth"
        assert importer.run(csv_bytes([_row(stream)], COLUMNS), ADMIN).created == 1
        imported_at = time.monotonic()
        with TestApi(store) as api:
            assert camera_id in api.camera_ids()  # the API's list reads the database
        looks, _ = _wait_for(lambda: _looks(store, camera_id), FIRST_LOOK_WITHIN_S)
        print(f"\nfirst look at the imported camera {time.monotonic() - imported_at:.1f} s after its import")
        assert looks[0].outcome == LookOutcome.OK.value, looks[0].detail
        assert "guard_absent=clear" in looks[0].detail  # the guard stands in the template's booth
        assert patrol.status()["cameras"] == 2

        # Its zone changed (imported again with another template): a later look judges with it.
        changed_at = time.time()
        seen = len(_looks(store, camera_id))
        assert importer.run(csv_bytes([_row(stream, "booth-corner")], COLUMNS), ADMIN).updated == 1
        taken_at = change_taken(caplog, camera_id, changed_at, FIRST_LOOK_WITHIN_S)
        looks, _ = _wait_for(
            lambda: [
                look for look in _looks(store, camera_id)[seen:] if "guard_absent=suspect" in look.detail
            ],
            FIRST_LOOK_WITHIN_S,
        )
        print(
            f"the patrol took the changed zone {taken_at - changed_at:.1f} s after the change; a look "
            f"judged with it {looks[0].finished_at.timestamp() - changed_at:.1f} s after"
        )
        # Looks begun before the refresh took the change judged with the zone they began with;
        # every look begun after judges with the new one.
        after, _ = _wait_for(
            lambda: [
                look
                for look in _looks(store, camera_id)
                if begun_after(taken_at, look.started_at.timestamp()) and "guard_absent=" in look.detail
            ],
            FIRST_LOOK_WITHIN_S,
        )
        assert all("guard_absent=suspect" in look.detail for look in after), [look.detail for look in after]

        # Its stream changed: a later look opens the new address (nothing answers there).
        dead = f"rtsp://127.0.0.1:{free_port()}/s2/booth"
        assert importer.run(csv_bytes([_row(dead, "booth-corner")], COLUMNS), ADMIN).updated == 1
        seen = len(_looks(store, camera_id))
        _wait_for(
            lambda: [
                look
                for look in _looks(store, camera_id)[seen:]
                if look.outcome == LookOutcome.UNREACHABLE.value
            ],
            FIRST_LOOK_WITHIN_S,
        )

        # Removed: it leaves the plan; a look under way at the refresh may still end. The
        # config's camera goes on being looked at.
        assert imports.remove([camera_id], []) == [camera_id]
        time.sleep(REFRESH_S + 5)
        assert patrol.status()["cameras"] == 1
        after_removal = len(_looks(store, camera_id))
        config_looks = len(_looks(store, "config-booth"))
        time.sleep(2 * MAX_GAP_S)
        assert len(_looks(store, camera_id)) == after_removal
        assert len(_looks(store, "config-booth")) > config_looks
    finally:
        refresh.stop()
        patrol.stop()
        store.close()
    refreshed = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("imported cameras changed")
    ]
    assert refreshed[:4] == [
        f"imported cameras changed: 1 added ({camera_id}), 0 changed, 0 removed",
        f"imported cameras changed: 0 added, 1 changed ({camera_id}), 0 removed",
        f"imported cameras changed: 0 added, 1 changed ({camera_id}), 0 removed",
        f"imported cameras changed: 0 added, 0 changed, 1 removed ({camera_id})",
    ]
    assert PASSWORD not in caplog.text


def test_a_worker_reads_the_cameras_again_for_an_order_it_cannot_judge_as_the_planner_did(
    tmp_path: Path,
) -> None:
    """Without a look: which definition a worker takes for an order, over the real store."""
    config = parse_config(_config(1), environ=ENVIRON)
    store = Store(sqlite_url(tmp_path), tmp_path / "evidence")
    store.create_schema()
    importer = CameraImporter(config, store, environ=ENVIRON)
    imports = CameraImports(store)
    planner = CameraDirectory(config, imports.list, environ=ENVIRON)
    worker = CameraDirectory(config, imports.list, environ=ENVIRON)
    looks = WorkerLooks(
        None,  # type: ignore[arg-type]  # no order is run: no word goes to a broker
        [build_camera(config, config.cameras[0])],
        store,
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        name="w",
        look_timeout_s=5,
    )
    reads = CountingRefresh(worker, [looks], every_s=REFRESH_S)
    looks.read_cameras_with(reads)
    try:
        camera_id = _row("")["id"]
        stream = "rtsp://127.0.0.1:554/s2/booth"
        importer.run(csv_bytes([_row(stream)], COLUMNS), ADMIN)
        (new,) = planner.refresh().added

        def order() -> LookOrder:
            return LookOrder("v", camera_id, LookKind.RANDOM, time.time(), new.revision)

        # Unknown here: read at once, not after the worker's next refresh.
        camera = looks.camera_for(order())
        assert camera is not None and camera.revision == new.revision and reads.count == 1
        assert looks.camera_for(order()) is camera and reads.count == 1  # known as the planner knows it

        # Redefined, and the planner knows it first: the worker reads the newer definition.
        importer.run(csv_bytes([_row(stream, "booth-corner")], COLUMNS), ADMIN)
        (changed,) = planner.refresh().changed
        newer = looks.camera_for(LookOrder("v", camera_id, LookKind.RANDOM, time.time(), changed.revision))
        assert newer is not None and newer.revision == changed.revision and reads.count == 2
        assert newer.drawing.zones[0].vertices.ravel().tolist() == pytest.approx(
            [xy for point in CORNER for xy in point]
        )
        # An order of a planner that has not read it yet, sent before the worker read: the
        # worker's definition is the newer one, and it is not read for again.
        early = LookOrder("v", camera_id, LookKind.RANDOM, time.time() - 60, new.revision)
        assert looks.camera_for(early) is newer and reads.count == 2

        # The config's camera is never read for; a camera nobody has is read for, and not found.
        config_order = LookOrder("v", "config-booth", LookKind.RANDOM, time.time(), "")
        assert looks.camera_for(config_order) is not None and reads.count == 2
        assert looks.camera_for(LookOrder("v", "gone", LookKind.RANDOM, time.time(), "x")) is None
        assert reads.count == 3
    finally:
        store.close()


def test_a_redefined_camera_takes_what_its_rules_remember_to_its_next_look(tmp_path: Path) -> None:
    """Without a stream: the patrol hands its looker the new definition, with the old one's memory."""
    config = parse_config(_config(1), environ=ENVIRON)
    store = Store(sqlite_url(tmp_path), tmp_path / "evidence")
    store.create_schema()
    importer = CameraImporter(config, store, environ=ENVIRON)
    imports = CameraImports(store)
    directory = CameraDirectory(config, imports.list, environ=ENVIRON)
    looker = RecordingLooker()
    clock = SystemClock()
    patrol = Patrol(
        [],
        store,
        looker,
        clock,
        calendar=SchoolCalendar.from_config(config.calendar, config.sampling, config.timezone),
        workers=1,
        max_per_school=1,
    )
    try:
        stream = "rtsp://127.0.0.1:554/s2/booth"
        importer.run(csv_bytes([_row(stream)], COLUMNS), ADMIN)
        patrol.apply_camera_changes(directory.refresh())
        camera_id = _row("")["id"]
        first = patrol.run_look(camera_id)
        assert first.record.camera_id == camera_id and looker.seen[-1].revision == directory.revision(
            camera_id
        )
        short_since = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
        looker.seen[-1].rules[0].first_short_at = short_since  # type: ignore[attr-defined]

        importer.run(csv_bytes([_row(stream, "booth-corner")], COLUMNS), ADMIN)
        patrol.apply_camera_changes(directory.refresh())
        patrol.run_look(camera_id)
        new = looker.seen[-1]
        assert new is not looker.seen[0] and new.revision == directory.revision(camera_id)
        assert new.drawing.zones[0].vertices.max() < 0.1  # the corner
        assert new.rules[0].first_short_at == short_since  # type: ignore[attr-defined]
        assert patrol.status()["cameras"] == 1

        imports.remove([camera_id], [])
        patrol.apply_camera_changes(directory.refresh())
        assert patrol.status()["cameras"] == 0
        with pytest.raises(KeyError):
            patrol.run_look(camera_id)
    finally:
        store.close()


class RecordingLooker:
    """A look that opens no stream: it says which definition of the camera it was given."""

    def __init__(self) -> None:
        self.seen: list[PatrolCamera] = []

    def look(self, camera: PatrolCamera, kind: LookKind) -> LookReport:
        self.seen.append(camera)
        now = datetime.now(UTC)
        return LookReport(LookRecord(camera.id, kind, now, now, LookOutcome.OK, frames=1))


class CountingRefresh(CameraRefresh):
    count = 0

    def run_once(self):  # type: ignore[no-untyped-def]
        self.count += 1
        return super().run_once()


class TestApi:
    """GET /api/v1/cameras over the same store, as an officer."""

    __test__ = False

    def __init__(self, store: Store) -> None:
        self._client = bearer_client(make_app(store))

    def __enter__(self) -> TestApi:
        self._client.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.__exit__(*exc)

    def camera_ids(self) -> set[str]:
        answer = self._client.get("/api/v1/cameras")
        assert answer.status_code == 200, answer.text
        return {camera["id"] for camera in answer.json()["data"]}
