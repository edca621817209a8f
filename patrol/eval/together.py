"""`patrol eval --together`: every scenario a camera of one county, patrolled at once in real time.

Played one at a time, a scenario never sees its looks compete for workers. Here the production
dispatcher (`Patrol.start`) plans every camera with the given number of look workers, the looks
run in its thread pool against one RTSP server that plays every scenario from the same moment,
and the planner's figures (random looks thinned or dropped, looks late) are the shortfall the
county would see at this load.

Each camera keeps its scenario's weekday and time of day, which its rules' windows read; the
planner runs on one clock, and every camera's timetable is all day. After its end a scenario
plays again from its start, as a camera goes on showing something, and keeps its share of the
looks; what it raises then is not scored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from detectors.types import PersonDetector
from patrol.cameras import PatrolCamera, build_camera
from patrol.config.schema import CalendarConfig
from patrol.eval.clock import ShiftedClock, VirtualClock
from patrol.eval.harness import (
    EvalResult,
    EvalSettings,
    LookSummary,
    ScenarioRun,
    TogetherFigures,
    camera_ids,
    observed_events,
    scenario_config,
    scenario_start,
    scenario_timetable,
    start_simulator,
    take_reference_views,
    warm_up,
)
from patrol.eval.scenario_file import EvalScenario
from patrol.eval.score import score_scenario, summarize
from patrol.look import Looker, LookReport
from patrol.metrics import PlannerFigures
from patrol.planner import SchoolCalendar
from patrol.records import CameraRecord, SchoolRecord
from patrol.runtime import Patrol
from patrol.store import Store, sqlite_url
from patrol.types import LookKind

# Looks still running when the longest scenario ends get this long to be recorded.
_STOP_TIMEOUT_S = 120.0


class _ScenarioLooker:
    """Looks at one scenario's camera on that scenario's clock and keeps a line per look."""

    def __init__(self, looker: Looker, start: datetime) -> None:
        self._looker = looker
        self._start = start
        self._lock = threading.Lock()
        self.looks: list[LookSummary] = []

    def look(self, camera: PatrolCamera, kind: LookKind) -> LookReport:
        report = self._looker.look(camera, kind)
        record = report.record
        with self._lock:
            self.looks.append(
                LookSummary(
                    kind,
                    round((record.started_at - self._start).total_seconds(), 2),
                    round((record.finished_at - self._start).total_seconds(), 2),
                    record.frames,
                    record.max_persons,
                    record.detail or record.outcome.value,
                )
            )
        return report


class _LookerPerCamera:
    def __init__(self, lookers: Mapping[str, _ScenarioLooker]) -> None:
        self._lookers = lookers

    def look(self, camera: PatrolCamera, kind: LookKind) -> LookReport:
        return self._lookers[camera.id].look(camera, kind)


class TogetherEvaluation:
    """One run with every scenario a camera at its own school, patrolled at once."""

    def __init__(
        self,
        scenarios: Sequence[EvalScenario],
        detector: PersonDetector,
        settings: EvalSettings,
        *,
        look_workers: int,
        progress: Callable[[ScenarioRun, int, int], None] | None = None,
    ) -> None:
        if look_workers < 1:
            raise ValueError("the patrol needs at least one look worker")
        self.scenarios = list(scenarios)
        self.detector = detector
        self.settings = settings
        self.look_workers = look_workers
        self._progress = progress

    def run(self) -> EvalResult:
        started = time.monotonic()
        warm_up(self.detector)
        ids = camera_ids([s.name for s in self.scenarios])
        playable = {
            camera_id: scenario
            for scenario, camera_id in zip(self.scenarios, ids, strict=True)
            if scenario.skip_reason is None
        }
        self.settings.work_dir.mkdir(parents=True, exist_ok=True)
        store = Store(sqlite_url(self.settings.work_dir), self.settings.work_dir / "evidence")
        store.create_schema()
        try:
            store.sync_sites(
                [SchoolRecord(camera_id, scenario.name) for camera_id, scenario in playable.items()],
                [
                    CameraRecord(camera_id, camera_id, scenario.name, scenario.role, "simulator")
                    for camera_id, scenario in playable.items()
                ],
            )
            lookers, figures = self._patrol(playable, store) if playable else ({}, None)
            runs = [
                self._scored(scenario, camera_id, store, lookers.get(camera_id), time.monotonic() - started)
                for scenario, camera_id in zip(self.scenarios, ids, strict=True)
            ]
        finally:
            store.close()
        for done, run in enumerate(runs, start=1):
            if self._progress is not None:
                self._progress(run, done, len(runs))
        scored = [
            (run.scenario.rules, run.scenario.duration_s, run.score) for run in runs if run.score is not None
        ]
        together = None if figures is None else TogetherFigures(self.look_workers, figures)
        return EvalResult(tuple(runs), summarize(scored), time.monotonic() - started, self.settings, together)

    def _patrol(
        self, playable: Mapping[str, EvalScenario], store: Store
    ) -> tuple[dict[str, _ScenarioLooker], PlannerFigures]:
        settings = self.settings
        server = start_simulator(
            {f"/{camera_id}": s for camera_id, s in playable.items()}, settings.cache_dir
        )
        try:
            first = next(iter(playable.values()))
            clock = VirtualClock(scenario_start(first, settings.timezone))
            cameras: list[PatrolCamera] = []
            lookers: dict[str, _ScenarioLooker] = {}
            for camera_id, scenario in playable.items():
                config = scenario_config(
                    scenario,
                    camera_id,
                    server.url(f"/{camera_id}"),
                    timezone=settings.timezone,
                    sampling=settings.sampling,
                    detector=settings.detector,
                    school_id=camera_id,
                )
                cameras.append(build_camera(config, config.cameras[0], timetable=camera_id))
                start = scenario_start(scenario, settings.timezone)
                take_reference_views(scenario, camera_id, store, start)
                looker = Looker(self.detector, config.sampling, ShiftedClock(clock, start), views=store)
                lookers[camera_id] = _ScenarioLooker(looker, start)
            calendar = SchoolCalendar.from_config(
                CalendarConfig.model_validate(
                    {
                        "default_timetable": next(iter(playable)),
                        "timetables": {
                            camera_id: scenario_timetable(s, settings.sampling)
                            for camera_id, s in playable.items()
                        },
                    }
                ),
                settings.sampling,
                settings.timezone,
            )
            patrol = Patrol(
                cameras,
                store,
                _LookerPerCamera(lookers),
                clock,
                calendar=calendar,
                workers=self.look_workers,
                max_per_school=settings.sampling.max_streams_per_school,
            )
            longest_s = max(s.duration_s for s in playable.values())
            with clock.running():
                for camera_id in playable:
                    server.seek(f"/{camera_id}", clock.elapsed_s)
                patrol.start()
                try:
                    time.sleep(max(longest_s - clock.elapsed_s, 0.0))
                finally:
                    patrol.stop(timeout_s=_STOP_TIMEOUT_S)
            return lookers, patrol.planner_figures()
        finally:
            server.stop()

    def _scored(
        self,
        scenario: EvalScenario,
        camera_id: str,
        store: Store,
        looker: _ScenarioLooker | None,
        wall_s: float,
    ) -> ScenarioRun:
        if scenario.skip_reason is not None:
            return ScenarioRun(scenario, 0, camera_id, skipped=scenario.skip_reason)
        assert looker is not None
        try:
            events = observed_events(scenario, camera_id, store, self.settings.timezone)
        except RuntimeError as exc:
            return ScenarioRun(scenario, 0, camera_id, wall_s=wall_s, error=str(exc))
        # Raised after the end: the camera was replaying the file, which the ground truth ignores.
        events = tuple(e for e in events if e.raised_s <= scenario.duration_s)
        looks = tuple(look for look in looker.looks if look.started_s <= scenario.duration_s)
        score = score_scenario(scenario.expectations, events)
        return ScenarioRun(scenario, 0, camera_id, events, looks, wall_s, score)
