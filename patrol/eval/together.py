"""`patrol eval --together`: every scenario a camera of one county, patrolled at once in real time.

Played one at a time, a scenario never sees its looks compete for workers. Here the production
dispatcher (`Patrol.start`) plans every camera with the given number of look workers, the looks
run in its thread pool against one RTSP server that plays every scenario from the same moment,
and the planner's figures (random looks thinned or dropped, looks late) are the shortfall the
county would see at this load.

With `distributed`, the looks go out over the broker as the county's planner sends
them, to worker processes that take them as `patrol worker` does (patrol.eval.county_looks),
on a PostgreSQL database of the run's own: what a county of several worker machines would see.

Each camera keeps its scenario's weekday and time of day, which its rules' windows read; the
planner runs on one clock, and every camera's timetable is all day. After its end a scenario
plays again from its start, as a camera goes on showing something, and keeps its share of the
looks; what it raises then is not scored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from datetime import datetime

from detectors.types import PersonDetector
from patrol.cameras import PatrolCamera
from patrol.config.schema import CalendarConfig
from patrol.eval.clock import ShiftedClock, VirtualClock
from patrol.eval.county_camera import CountyCamera, LookerPerCamera
from patrol.eval.county_looks import CountyLooks, CountyRun
from patrol.eval.harness import (
    EvalResult,
    EvalSettings,
    LookSummary,
    ScenarioRun,
    TogetherFigures,
    camera_ids,
    observed_events,
    scenario_start,
    scenario_timetable,
    start_simulator,
    take_reference_views,
    warm_up,
)
from patrol.eval.scenario_file import EvalScenario
from patrol.eval.score import score_scenario, summarize
from patrol.look import CameraLooker, Looker
from patrol.planner import SchoolCalendar
from patrol.records import CameraRecord, LookRecord, SchoolRecord
from patrol.runtime import Patrol
from patrol.store import Store, sqlite_url
from streams.simulator import SimulatorServer

# Looks still running when the longest scenario ends get this long to be recorded.
_STOP_TIMEOUT_S = 120.0


class TogetherEvaluation:
    """One run with every scenario a camera at its own school, patrolled at once.

    `detector`: the in-process looks' (None with `distributed`, whose worker processes load their own)."""

    def __init__(
        self,
        scenarios: Sequence[EvalScenario],
        detector: PersonDetector | None,
        settings: EvalSettings,
        *,
        look_workers: int,
        distributed: CountyRun | None = None,
        progress: Callable[[ScenarioRun, int, int], None] | None = None,
    ) -> None:
        if look_workers < 1:
            raise ValueError("the patrol needs at least one look worker")
        if detector is None and distributed is None:
            raise ValueError("looks in this process need a detector")
        self.scenarios = list(scenarios)
        self.detector = detector
        self.settings = settings
        self.look_workers = look_workers
        self.distributed = distributed
        self._progress = progress

    def run(self) -> EvalResult:
        started = time.monotonic()
        if self.detector is not None:
            warm_up(self.detector)
        ids = camera_ids([s.name for s in self.scenarios])
        playable = {
            camera_id: scenario
            for scenario, camera_id in zip(self.scenarios, ids, strict=True)
            if scenario.skip_reason is None
        }
        self.settings.work_dir.mkdir(parents=True, exist_ok=True)
        url = (
            sqlite_url(self.settings.work_dir) if self.distributed is None else self.distributed.database_url
        )
        with ExitStack() as stack:
            # The broker is checked first: a run that cannot have it to itself stops before it begins.
            looks = None
            if self.distributed is not None:
                looks = stack.enter_context(CountyLooks(self.distributed, self.settings, self.look_workers))
            store = Store(url, self.settings.work_dir / "evidence")
            stack.callback(store.close)
            store.create_schema()
            store.sync_sites(
                [SchoolRecord(camera_id, scenario.name) for camera_id, scenario in playable.items()],
                [
                    CameraRecord(camera_id, camera_id, scenario.name, scenario.role, "simulator")
                    for camera_id, scenario in playable.items()
                ],
            )
            figures = self._patrol(playable, store, looks) if playable else None
            runs = [
                self._scored(scenario, camera_id, store, time.monotonic() - started)
                for scenario, camera_id in zip(self.scenarios, ids, strict=True)
            ]
        for done, run in enumerate(runs, start=1):
            if self._progress is not None:
                self._progress(run, done, len(runs))
        scored = [
            (run.scenario.rules, run.scenario.duration_s, run.score) for run in runs if run.score is not None
        ]
        return EvalResult(tuple(runs), summarize(scored), time.monotonic() - started, self.settings, figures)

    def _patrol(
        self, playable: Mapping[str, EvalScenario], store: Store, looks: CountyLooks | None
    ) -> TogetherFigures:
        settings = self.settings
        server = start_simulator(
            {f"/{camera_id}": s for camera_id, s in playable.items()}, settings.cache_dir
        )
        try:
            county_cameras = [
                CountyCamera(camera_id, scenario, server.url(f"/{camera_id}"))
                for camera_id, scenario in playable.items()
            ]
            clock = VirtualClock(county_cameras[0].start(settings))
            for camera in county_cameras:
                take_reference_views(camera.scenario, camera.camera_id, store, camera.start(settings))
            cameras = [camera.patrol_camera(settings) for camera in county_cameras]
            calendar = SchoolCalendar.from_config(
                CalendarConfig.model_validate(
                    {
                        "default_timetable": county_cameras[0].camera_id,
                        "timetables": {
                            camera.camera_id: scenario_timetable(camera.scenario, settings.sampling)
                            for camera in county_cameras
                        },
                    }
                ),
                settings.sampling,
                settings.timezone,
            )
            longest_s = max(s.duration_s for s in playable.values())
            if looks is not None:
                looks.start_workers(county_cameras)
                return self._patrol_over_the_broker(
                    looks, county_cameras, store, cameras, calendar, clock, server, longest_s
                )
            assert self.detector is not None
            lookers = {
                camera.camera_id: Looker(
                    self.detector, settings.sampling, ShiftedClock(clock, camera.start(settings)), views=store
                )
                for camera in county_cameras
            }
            patrol = self._planner(cameras, store, LookerPerCamera(lookers), clock, calendar)
            with clock.running():
                _seek_all(server, county_cameras, clock.elapsed_s)
                patrol.start()
                try:
                    time.sleep(max(longest_s - clock.elapsed_s, 0.0))
                finally:
                    patrol.stop(timeout_s=_STOP_TIMEOUT_S)
            return TogetherFigures(self.look_workers, patrol.planner_figures())
        finally:
            server.stop()

    def _patrol_over_the_broker(
        self,
        looks: CountyLooks,
        county_cameras: Sequence[CountyCamera],
        store: Store,
        cameras: Sequence[PatrolCamera],
        calendar: SchoolCalendar,
        clock: VirtualClock,
        server: SimulatorServer,
        longest_s: float,
    ) -> TogetherFigures:
        patrol = self._planner(cameras, store, None, clock, calendar)
        orders = looks.orders(store, patrol)
        with clock.running():
            looks.begin(epoch=time.time() - clock.elapsed_s)
            _seek_all(server, county_cameras, clock.elapsed_s)
            patrol.start(orders)
            try:
                time.sleep(max(longest_s - clock.elapsed_s, 0.0))
            finally:
                patrol.stop(timeout_s=_STOP_TIMEOUT_S)
                # Looks under way finish and are recorded: the workers' warm shutdown.
                looks.stop_workers(timeout_s=_STOP_TIMEOUT_S)
        return TogetherFigures(
            self.look_workers,
            patrol.planner_figures(),
            worker_processes=looks.worker_processes,
            looks_lost=orders.lost,
            looks_by_worker=dict(orders.done_by_worker),
        )

    def _planner(
        self,
        cameras: Sequence[PatrolCamera],
        store: Store,
        looker: CameraLooker | None,
        clock: VirtualClock,
        calendar: SchoolCalendar,
    ) -> Patrol:
        return Patrol(
            cameras,
            store,
            looker,
            clock,
            calendar=calendar,
            workers=self.look_workers,
            max_per_school=self.settings.sampling.max_streams_per_school,
        )

    def _scored(self, scenario: EvalScenario, camera_id: str, store: Store, wall_s: float) -> ScenarioRun:
        if scenario.skip_reason is not None:
            return ScenarioRun(scenario, 0, camera_id, skipped=scenario.skip_reason)
        try:
            events = observed_events(scenario, camera_id, store, self.settings.timezone)
        except RuntimeError as exc:
            return ScenarioRun(scenario, 0, camera_id, wall_s=wall_s, error=str(exc))
        start = scenario_start(scenario, self.settings.timezone)
        # Raised after the end: the camera was replaying the file, which the ground truth ignores.
        events = tuple(e for e in events if e.raised_s <= scenario.duration_s)
        looks = tuple(
            look
            for look in (look_summary(record, start) for record in store.looks_of_camera(camera_id))
            if look.started_s <= scenario.duration_s
        )
        score = score_scenario(scenario.expectations, events)
        return ScenarioRun(scenario, 0, camera_id, events, looks, wall_s, score)


def _seek_all(server: SimulatorServer, county: Sequence[CountyCamera], scenario_s: float) -> None:
    for camera in county:
        server.seek(f"/{camera.camera_id}", scenario_s)


def look_summary(record: LookRecord, start: datetime) -> LookSummary:
    return LookSummary(
        record.kind,
        round((record.started_at - start).total_seconds(), 2),
        round((record.finished_at - start).total_seconds(), 2),
        record.frames,
        record.max_persons,
        record.detail or record.outcome.value,
    )
