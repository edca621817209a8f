"""Run the real patrol over scenario files and score what it records.

Each scenario gets its own simulated camera: the real GStreamer RTSP server replaying the
scenario's encoded timeline. The patrol side is the production code: the planner's
`VisitPlan` picks random look times and follow-ups, the `Looker` takes the snapshot, the
clip when a motion rule wants one, runs the detector, the tracker and the camera's rules,
and `Patrol.run_look` records findings in a `Store` as the running patrol does, so an event
is exactly what an officer would see.

Time is accelerated only where nothing is observed: between looks the scenario clock (ours
and the server's, through a seek) jumps to the next look; during a look it runs in real time.
Scenarios run concurrently, so one's real-time clip overlaps another's detection.
"""

from __future__ import annotations

import logging
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np

from detectors.types import PersonDetector
from patrol.cameras import build_camera
from patrol.config.schema import DetectorConfig, PatrolConfig, SamplingConfig
from patrol.eval.clock import VirtualClock
from patrol.eval.scenario_file import EvalScenario
from patrol.eval.score import (
    JUDGED_RULES,
    ObservedEvent,
    RuleSummary,
    ScenarioScore,
    score_scenario,
    summarize,
)
from patrol.look import Looker
from patrol.metrics import PlannerFigures
from patrol.planner import SchoolCalendar, VisitPlan
from patrol.records import CameraRecord, SchoolRecord
from patrol.runtime import Patrol
from patrol.store import Store, sqlite_url
from patrol.store.labelled_views import LabelledView
from patrol.types import EventType, LookKind
from streams.simulator import SimulatorError, SimulatorServer
from streams.simulator.scenarios import render

log = logging.getLogger(__name__)

SCHOOL_ID = "eval"
# A Monday: scenario clocks name a weekday and a time of day, not a date.
_REFERENCE_MONDAY = date(2025, 3, 3)
# A look starts only if it can end before the scenario does: snapshot (up to a GOP), clip, margin.
LOOK_MARGIN_S = 2.0
_PORT_ATTEMPTS = 3
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class EvalSettings:
    cache_dir: Path  # encoded scenario timelines, kept between runs
    work_dir: Path  # the store's database and evidence pictures
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    timezone: str = DEFAULT_TIMEZONE
    workers: int = 3
    seed: int | None = 0  # None: look times from the secure random source, as in production
    repeats: int = 1


@dataclass(frozen=True)
class LookSummary:
    kind: LookKind
    started_s: float
    finished_s: float
    frames: int
    max_persons: int
    detail: str


@dataclass(frozen=True)
class ScenarioRun:
    scenario: EvalScenario
    repeat: int
    camera_id: str
    events: tuple[ObservedEvent, ...] = ()
    looks: tuple[LookSummary, ...] = ()
    wall_s: float = 0.0
    score: ScenarioScore | None = None
    skipped: str | None = None
    error: str | None = None

    @property
    def outcome(self) -> str:
        if self.skipped is not None:
            return "skipped"
        if self.error is not None or self.score is None:
            return "error"
        return "pass" if self.score.passed else "fail"


@dataclass(frozen=True)
class TogetherFigures:
    """What the planner said of a run where every scenario was a camera patrolled at once."""

    look_workers: int
    planner: PlannerFigures
    # Over the broker (`--distributed`): the worker processes, and the orders the planner gave up on.
    worker_processes: int | None = None
    looks_lost: int | None = None
    looks_by_worker: Mapping[str, int] | None = None


@dataclass(frozen=True)
class EvalResult:
    runs: tuple[ScenarioRun, ...]
    summaries: dict[EventType, RuleSummary]
    wall_s: float
    settings: EvalSettings
    together: TogetherFigures | None = None  # None: each scenario was patrolled alone


def camera_ids(names: Sequence[str]) -> list[str]:
    """A valid, unique camera id per scenario name, readable as the name."""
    ids: list[str] = []
    for name in names:
        base = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in name.lower()).strip(
            "-_"
        )
        base = (base or "scenario")[:56]
        candidate, n = base, 2
        while candidate in ids:
            candidate, n = f"{base}-{n}", n + 1
        ids.append(candidate)
    return ids


def scenario_start(scenario: EvalScenario, timezone: str) -> datetime:
    day = _REFERENCE_MONDAY + timedelta(days=scenario.weekday)
    return datetime.combine(day, scenario.start, tzinfo=ZoneInfo(timezone))


def last_look_start_s(scenario: EvalScenario, sampling: SamplingConfig) -> float:
    """The latest scenario second at which a look still ends before the scenario does."""
    return scenario.duration_s - (sampling.clip_s + scenario.video.camera.gop_s + LOOK_MARGIN_S)


def scenario_config(
    scenario: EvalScenario,
    camera_id: str,
    stream: str,
    *,
    timezone: str,
    sampling: SamplingConfig,
    detector: DetectorConfig,
    school_id: str = SCHOOL_ID,
) -> PatrolConfig:
    """The patrol's config for the scenario's camera alone, as the production loader would build it."""
    return PatrolConfig.model_validate(
        {
            "timezone": timezone,
            "sampling": sampling.model_dump(),
            "detector": detector.model_dump(),
            "windows": {
                name: [span.model_dump() for span in spans] for name, spans in scenario.windows.items()
            },
            "calendar": _calendar(scenario, sampling),
            "schools": [{"id": school_id, "name": "Evaluation"}],
            "cameras": [
                {
                    "id": camera_id,
                    "school": school_id,
                    "name": scenario.name[:200],
                    "role": scenario.role.value,
                    "stream": stream,
                    **scenario.view.model_dump(),
                }
            ],
        }
    )


def _calendar(scenario: EvalScenario, sampling: SamplingConfig) -> dict[str, object]:
    return {"default_timetable": "eval", "timetables": {"eval": scenario_timetable(scenario, sampling)}}


def scenario_timetable(scenario: EvalScenario, sampling: SamplingConfig) -> dict[str, object]:
    """Looks around the clock at the scenario's pace: random looks averaging `mean_gap_fraction`
    of the maximum gap, as the patrol paces a camera in a window of that gap."""
    max_gap_s = scenario.view.max_gap_s or sampling.default_max_gap_s
    looks_per_hour = 3600.0 / (max_gap_s * sampling.mean_gap_fraction)
    visits = {"weight": looks_per_hour, "max_gap_s": max_gap_s}
    window = {"spans": [{"start": "00:00", "end": "24:00"}], "roles": {scenario.role.value: visits}}
    return {"windows": {"all_day": window}}


def warm_up(detector: PersonDetector) -> None:
    """The first detection pays the framework's warm-up (seconds); no look should pay it."""
    detector.detect([np.zeros((360, 640, 3), np.uint8)])


def observed_events(
    scenario: EvalScenario, camera_id: str, store: Store, timezone: str
) -> tuple[ObservedEvent, ...]:
    """The rule events the patrol recorded on the scenario's camera, in scenario seconds."""
    start = scenario_start(scenario, timezone)
    records, _ = store.list_events(camera_id=camera_id, limit=10_000)
    events = [
        ObservedEvent(
            record.type,
            round((record.first_seen - start).total_seconds(), 2),
            round((record.last_seen - start).total_seconds(), 2),
            record.looks,
        )
        for record in records
        if record.type in JUDGED_RULES
    ]
    # A rule without its reference views says so; that is the patrol working, not the camera failing.
    unreachable = [
        r for r in records if r.type not in JUDGED_RULES and r.type is not EventType.RULE_UNCONFIGURED
    ]
    if unreachable:
        # The simulated camera must always answer; if it did not, the run says nothing.
        raise RuntimeError(f"the simulated camera was unreachable: {unreachable[0].summary}")
    return tuple(sorted(events, key=lambda e: e.raised_s))


def take_reference_views(scenario: EvalScenario, camera_id: str, store: Store, taken_at: datetime) -> None:
    """The labelled views the scenario says an administrator took, as the API would keep them."""
    views = store.views
    for label, shown in scenario.reference_views.items():
        ok, jpeg = cv2.imencode(".jpg", render(shown, 1.0), [cv2.IMWRITE_JPEG_QUALITY, 90])
        if not ok:
            raise RuntimeError(f"{scenario.name}: the reference view {label!r} could not be encoded")
        views.save(LabelledView(camera_id, label, jpeg.tobytes(), taken_at, "eval"))


def start_simulator(scenarios: Mapping[str, EvalScenario], cache_dir: Path) -> SimulatorServer:
    """One RTSP server playing each scenario at its path (a path per camera)."""
    password = secrets.token_urlsafe(12)
    for attempt in range(_PORT_ATTEMPTS):
        server = SimulatorServer(
            {path: scenario.video for path, scenario in scenarios.items()},
            port=_free_port(),
            username="eval",
            password=password,
            cache_dir=cache_dir,
        )
        server.prepare()  # encoding a new scenario takes seconds; not the server's start-up
        try:
            server.start(timeout_s=30)
            return server
        except SimulatorError as exc:
            # Another process may take the free port before the server binds it.
            if "cannot listen" not in str(exc) or attempt == _PORT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


class Evaluation:
    """One evaluation run: scenarios in, scored runs out."""

    def __init__(
        self,
        scenarios: Sequence[EvalScenario],
        detector: PersonDetector,
        settings: EvalSettings,
        *,
        progress: Callable[[ScenarioRun, int, int], None] | None = None,
    ) -> None:
        self.scenarios = list(scenarios)
        self.detector = detector
        self.settings = settings
        self._progress = progress
        self._done = 0
        self._done_lock = threading.Lock()

    def run(self) -> EvalResult:
        started = time.monotonic()
        warm_up(self.detector)
        jobs = [(s, r) for s in self.scenarios for r in range(self.settings.repeats)]
        names = [s.name if self.settings.repeats == 1 else f"{s.name}#{r + 1}" for s, r in jobs]
        ids = camera_ids(names)
        self.settings.work_dir.mkdir(parents=True, exist_ok=True)
        store = Store(sqlite_url(self.settings.work_dir), self.settings.work_dir / "evidence")
        store.create_schema()
        try:
            store.sync_sites(
                [SchoolRecord(SCHOOL_ID, "Evaluation")],
                [
                    CameraRecord(camera_id, SCHOOL_ID, scenario.name, scenario.role, "simulator")
                    for (scenario, _), camera_id in zip(jobs, ids, strict=True)
                ],
            )
            with ThreadPoolExecutor(self.settings.workers, thread_name_prefix="eval") as pool:
                futures = [
                    pool.submit(self._run_job, scenario, repeat, camera_id, store, len(jobs))
                    for (scenario, repeat), camera_id in zip(jobs, ids, strict=True)
                ]
                runs = [future.result() for future in futures]
        finally:
            store.close()
        scored = [
            (run.scenario.rules, run.scenario.duration_s, run.score) for run in runs if run.score is not None
        ]
        return EvalResult(tuple(runs), summarize(scored), time.monotonic() - started, self.settings)

    def _run_job(
        self, scenario: EvalScenario, repeat: int, camera_id: str, store: Store, total: int
    ) -> ScenarioRun:
        started = time.monotonic()
        if scenario.skip_reason is not None:
            run = ScenarioRun(scenario, repeat, camera_id, skipped=scenario.skip_reason)
        else:
            try:
                looks = self._patrol_scenario(scenario, repeat, camera_id, store)
                events = observed_events(scenario, camera_id, store, self.settings.timezone)
                score = score_scenario(scenario.expectations, events)
                run = ScenarioRun(
                    scenario, repeat, camera_id, events, looks, time.monotonic() - started, score
                )
            except Exception as exc:  # one broken scenario must not end the evaluation
                log.exception("scenario %s failed to run", scenario.name)
                error = f"{type(exc).__name__}: {exc}"
                run = ScenarioRun(scenario, repeat, camera_id, wall_s=time.monotonic() - started, error=error)
        with self._done_lock:
            self._done += 1
            done = self._done
        if self._progress is not None:
            self._progress(run, done, total)
        return run

    def _patrol_scenario(
        self, scenario: EvalScenario, repeat: int, camera_id: str, store: Store
    ) -> tuple[LookSummary, ...]:
        settings = self.settings
        path = f"/{camera_id}"
        server = start_simulator({path: scenario}, self.settings.cache_dir)
        try:
            config = scenario_config(
                scenario,
                camera_id,
                server.url(path),
                timezone=settings.timezone,
                sampling=settings.sampling,
                detector=settings.detector,
            )
            camera = build_camera(config, config.cameras[0])
            start = scenario_start(scenario, settings.timezone)
            take_reference_views(scenario, camera_id, store, start)
            clock = VirtualClock(start)
            looker = Looker(self.detector, config.sampling, clock, views=store)
            calendar = SchoolCalendar.from_config(config.calendar, config.sampling, config.timezone)
            patrol = Patrol([camera], store, looker, clock, calendar=calendar, workers=1, max_per_school=1)
            rng = (
                random.Random(f"{settings.seed}:{scenario.name}:{repeat}")
                if settings.seed is not None
                else secrets.SystemRandom()
            )
            plan = VisitPlan(
                [camera.pace], calendar, now=start.timestamp(), workers=1, max_per_school=1, rng=rng
            )
            last_start_s = last_look_start_s(scenario, settings.sampling)
            looks: list[LookSummary] = []
            while True:
                now = clock.now().timestamp()
                visits = plan.due(now)
                if not visits:
                    # A millisecond past the due time: the clock keeps microseconds, and a jump
                    # that lands a rounding error short would find nothing due, for ever.
                    wake_s = plan.next_wake(now) - start.timestamp() + 1e-3
                    if wake_s > last_start_s:
                        break
                    clock.jump_to(max(wake_s, clock.elapsed_s))
                    continue
                if clock.elapsed_s > last_start_s:
                    break
                (visit,) = visits
                started_s = clock.elapsed_s
                with clock.running():
                    server.seek(path, clock.elapsed_s)
                    report = patrol.run_look(camera.id, visit.kind)
                done = clock.now().timestamp()
                plan.finished(camera.id, done)
                if report.follow_up_in_s is not None:
                    plan.request_follow_up(camera.id, done, report.follow_up_in_s)
                record = report.record
                looks.append(
                    LookSummary(
                        visit.kind,
                        round(started_s, 2),
                        round(clock.elapsed_s, 2),
                        record.frames,
                        record.max_persons,
                        record.detail or record.outcome.value,
                    )
                )
            return tuple(looks)
        finally:
            server.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
