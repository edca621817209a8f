"""The running patrol: a dispatcher thread that follows the visit plan and a pool of look workers."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from patrol import camera_memory
from patrol.cameras import PatrolCamera
from patrol.clock import Clock
from patrol.config import PatrolConfig
from patrol.hazards import HazardRegister
from patrol.look import CameraLooker, LookReport
from patrol.look_recorder import LookRecorder
from patrol.metrics import PatrolMetrics, PlannerFigures
from patrol.planner import OnDemandTicket, SchoolCalendar, Visit, VisitPlan
from patrol.records import OnDemandRecord, OnDemandRequest
from patrol.store import Store
from patrol.stream_slots import StreamSlots
from patrol.types import LookKind, LookOutcome

if TYPE_CHECKING:
    from patrol.registry.directory import CameraChanges

log = logging.getLogger(__name__)

# The dispatcher re-checks the plan at least this often, so a stop or a new request is never stuck.
_MAX_IDLE_S = 1.0


class UnknownSchool(LookupError):
    pass


class LookOrders(Protocol):
    """Where visits go when looks run elsewhere (patrol.county: workers over a broker). The
    orders report back through `Patrol.visit_finished`."""

    def send(self, visit: Visit, camera_revision: str) -> None:
        """`camera_revision`: the definition the planner has of the camera (PatrolCamera.revision)."""
        ...

    def stop(self) -> None: ...


@dataclass
class _Counters:
    looks_done: int = 0
    looks_failed: int = 0
    findings_recorded: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)


class Patrol:
    def __init__(
        self,
        cameras: Sequence[PatrolCamera],
        store: Store,
        looker: CameraLooker | None,
        clock: Clock,
        *,
        calendar: SchoolCalendar,
        workers: int,
        max_per_school: int,
        on_demand_within_s: float = 120.0,
        reinspection_rate_factor: float = 3.0,
        reinspection_refresh_s: float = 60.0,
        hazards: HazardRegister | None = None,
        metrics: PatrolMetrics | None = None,
        slots: StreamSlots | None = None,
        last_looked: Mapping[str, float] | None = None,
    ) -> None:
        """`looker` None: looks run elsewhere, through the orders given to `start`. `last_looked`:
        each camera's latest look (epoch seconds), so a planner that restarts keeps the gap clocks."""
        self._cameras = {camera.id: camera for camera in cameras}
        self._keeps_gap_clocks = last_looked is not None
        # New definitions of cameras, taken at the start of their next look (never during one).
        self._redefined: dict[str, PatrolCamera] = {}
        self._store = store
        self._hazards = hazards or HazardRegister(store)
        self._looker = looker
        self._clock = clock
        self._workers = workers
        self._on_demand_within_s = on_demand_within_s
        self._reinspection_refresh_s = reinspection_refresh_s
        self._plan = VisitPlan(
            [camera.pace for camera in cameras],
            calendar,
            now=clock.now().timestamp(),
            workers=workers,
            max_per_school=max_per_school,
            reinspection_rate_factor=reinspection_rate_factor,
            slots=slots,
            last_looked=last_looked,
        )
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._counters = _Counters()
        self._on_demand_records: dict[int, int] = {}  # planner ticket -> store record
        self._reinspection_checked = -float("inf")
        self.metrics = metrics or PatrolMetrics()
        self._recorder = LookRecorder(store, self._hazards, self.metrics)
        self._orders: LookOrders | None = None
        self.metrics.watch_planner(self.planner_figures)
        self._started_at: float | None = None
        self._last_look_done: float | None = None
        self._dispatcher_killed = threading.Event()

    @classmethod
    def from_config(
        cls,
        config: PatrolConfig,
        cameras: Sequence[PatrolCamera],
        store: Store,
        looker: CameraLooker | None,
        clock: Clock,
        metrics: PatrolMetrics,
        *,
        slots: StreamSlots | None = None,
        last_looked: Mapping[str, float] | None = None,
    ) -> Patrol:
        """The patrol the config describes: its calendar, workers and limits."""
        sampling = config.sampling
        return cls(
            cameras,
            store,
            looker,
            clock,
            calendar=SchoolCalendar.from_config(config.calendar, sampling, config.timezone),
            workers=sampling.workers,
            max_per_school=sampling.max_streams_per_school,
            on_demand_within_s=sampling.on_demand_within_s,
            reinspection_rate_factor=sampling.reinspection_rate_factor,
            metrics=metrics,
            slots=slots,
            last_looked=last_looked,
        )

    # Lifecycle -----------------------------------------------------------------------------

    def start(self, orders: LookOrders | None = None) -> None:
        """Looks run in this process's threads, or go out as `orders` when given."""
        if self._thread is not None:
            raise RuntimeError("the patrol is already running")
        if orders is None and self._looker is None:
            raise RuntimeError("a patrol without a looker needs orders to send its looks out")
        self._orders = orders
        if orders is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="look")
        self._started_at = self._clock.now().timestamp()
        self._thread = threading.Thread(target=self._dispatch_loop, name="patrol-dispatch", daemon=True)
        self._thread.start()
        log.info("patrol started: %d cameras, %d workers", len(self._cameras), self._workers)

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop dispatching, then wait up to `timeout_s` for looks in progress to be recorded."""
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout_s)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._orders is not None:
            self._orders.stop()
        log.info("patrol stopped after %d looks", self._counters.looks_done)

    def join(self, timeout_s: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)

    def kill_dispatcher(self) -> None:
        """Test hook: end the dispatcher thread as a crash in it would, leaving the rest running."""
        self._dispatcher_killed.set()
        with self._wake:
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(5.0)

    def readiness_problem(self) -> str | None:
        """Why this patrol is not doing its work, or None: its dispatcher thread must be alive, and
        while any camera's window is open a look must have finished within 3 × the largest maximum
        gap in force (counted from the later of the last look, the start and the window's opening)."""
        if self._thread is None or self._stopping.is_set():
            return "the patrol is not running"
        if not self._thread.is_alive():
            return "the patrol's dispatcher thread has stopped"
        now = self._clock.now().timestamp()
        with self._lock:
            in_force = self._plan.gap_in_force(now)
            last = max(self._last_look_done or -float("inf"), self._started_at or now)
        if in_force is None:
            return None
        max_gap_s, window_opened = in_force
        waited_s = now - max(last, window_opened)
        if waited_s > 3 * max_gap_s:
            return f"no look finished in {waited_s:.0f} s (3 × the maximum gap is {3 * max_gap_s:.0f} s)"
        return None

    # Control and figures --------------------------------------------------------------------

    def status(self) -> dict[str, object]:
        """Aggregates only: the plan's future visit times are never exposed."""
        with self._lock:
            figures = self._plan.figures
            admission = self._plan.admission
            wanted = figures.random_looks_wanted
            return {
                "running": self._thread is not None and not self._stopping.is_set(),
                "cameras": len(self._cameras),
                "workers": self._workers,
                "looks_in_progress": self._plan.running,
                "looks_done": self._counters.looks_done,
                "looks_failed": self._counters.looks_failed,
                "findings_recorded": self._counters.findings_recorded,
                "looks_by_outcome": dict(self._counters.by_outcome),
                "coverage": round(figures.coverage, 4),
                "looks_late": figures.looks_late,
                "worst_gap_ratio": round(figures.worst_gap_ratio, 3),
                "shortfall": {
                    "random_looks_wanted": wanted,
                    "random_looks_shed": figures.random_looks_shed,
                    "shed_share": round(figures.random_looks_shed / wanted, 4) if wanted else 0.0,
                    "demand_workers": round(admission.demand_workers, 2),
                    "capacity_workers": self._workers,
                    "admitted_share": {
                        "booth_gate_peak": round(admission.key, 3),
                        "other": round(admission.other, 3),
                    },
                },
                "follow_ups_late": figures.follow_ups_late,
                "on_demand": {"requests": figures.on_demand_requests, "late": figures.on_demand_late},
                "schools_reinspected": len(self._plan.reinspected),
                "look_costs": self._plan.costs.summary(),
            }

    def planner_figures(self) -> PlannerFigures:
        with self._lock:
            figures = self._plan.figures
            admission = self._plan.admission
            return PlannerFigures(
                workers=self._workers,
                looks_in_progress=self._plan.running,
                looks_with_deadline=figures.looks_with_deadline,
                looks_late=figures.looks_late,
                random_looks_wanted=figures.random_looks_wanted,
                random_looks_thinned=figures.random_looks_thinned,
                random_looks_dropped=figures.random_looks_dropped,
                follow_ups_late=figures.follow_ups_late,
                on_demand_late=figures.on_demand_late,
                demand_workers=admission.demand_workers,
                admitted_share={"booth_gate_peak": admission.key, "other": admission.other},
                look_costs=self._plan.costs.summary(),
            )

    def run_look(self, camera_id: str, kind: LookKind = LookKind.ON_DEMAND) -> LookReport:
        """One look now, in the caller's thread (tests, and the officer's 'look now')."""
        if self._looker is None:
            raise RuntimeError("this patrol's looks run on workers")
        camera = self._camera_to_look_at(camera_id)
        if camera is None:
            raise KeyError(camera_id)
        report = self._looker.look(camera, kind)
        self._record(report)
        return report

    def request_on_demand(self, school_id: str, requested_by: str) -> OnDemandRecord:
        """Look at every camera of the school within `on_demand_within_s`, ahead of random looks.

        The request is stored first, with who asked and when, so even a patrol that stops before
        it is done leaves its audit trail.
        """
        cameras = self._plan.cameras_of(school_id)
        if not cameras:
            raise UnknownSchool(school_id)
        record = record_on_demand(
            self._store, school_id, requested_by, self._clock.now(), self._on_demand_within_s, len(cameras)
        )
        self.schedule_on_demand(record)
        return record

    def schedule_on_demand(self, record: OnDemandRecord) -> None:
        """Plan a stored on-demand request (made here, or by an API elsewhere) ahead of random looks."""
        if not self._plan.cameras_of(record.school_id):
            log.warning("on-demand patrol %d: school %s has no cameras here", record.id, record.school_id)
            return
        within_s = (record.deadline_at - record.requested_at).total_seconds()
        with self._wake:
            ticket = self._plan.request_on_demand(record.school_id, record.requested_at.timestamp(), within_s)
            self._on_demand_records[ticket.id] = record.id
            self._wake.notify_all()
        log.info(
            "on-demand patrol %d of school %s requested by %s: %d cameras within %.0f s",
            record.id,
            record.school_id,
            record.requested_by,
            record.cameras,
            within_s,
        )

    def set_reinspection(self, school_ids: Iterable[str]) -> None:
        """Schools with open hazards get extra random looks until the set no longer names them."""
        with self._wake:
            self._plan.set_reinspection(school_ids, self._clock.now().timestamp())
            self._wake.notify_all()

    def apply_camera_changes(self, changes: CameraChanges) -> None:
        """Imported cameras changed while the patrol runs: new ones join the plan (their first
        look within their maximum gap, as every camera's at start), redefined ones are looked at
        with the new definition from their next look on (what their rules and health check
        remember carries over), removed ones leave the plan (a look at one that runs ends as
        usual)."""
        looked = self._last_looked_of(changes.added)
        now = self._clock.now().timestamp()
        completed: list[OnDemandTicket] = []
        with self._wake:
            for camera_id in changes.removed:
                self._cameras.pop(camera_id, None)
                self._redefined.pop(camera_id, None)
                completed += self._plan.remove_camera(camera_id, now)
            for camera in (*changes.added, *changes.changed):
                if not self._plan.has_camera(camera.id):
                    self._cameras[camera.id] = camera
                    self._plan.add_camera(camera.pace, now, last_looked=looked.get(camera.id))
                    continue
                if self._looker is None:
                    self._cameras[camera.id] = camera  # looks run elsewhere: nothing to carry over
                else:
                    self._redefined[camera.id] = camera
                self._plan.update_camera(camera.pace, now)
            records = [(ticket, self._on_demand_records.pop(ticket.id, None)) for ticket in completed]
            self._wake.notify_all()
        for ticket, record_id in records:
            self._complete_on_demand(ticket, record_id)

    # Internals ------------------------------------------------------------------------------

    def _last_looked_of(self, cameras: Sequence[PatrolCamera]) -> dict[str, float]:
        """A planner that keeps gap clocks keeps those of cameras it learns of later too (a
        standby that takes over finds cameras imported while it waited, looked at before)."""
        if not self._keeps_gap_clocks or not cameras:
            return {}
        try:
            looked = self._store.last_looked()
        except Exception as exc:  # the database away: the cameras start a gap now
            log.warning("cannot read the latest looks of new cameras: %s", type(exc).__name__)
            return {}
        return {camera.id: looked[camera.id].timestamp() for camera in cameras if camera.id in looked}

    def _camera_to_look_at(self, camera_id: str) -> PatrolCamera | None:
        """The camera as its next look judges it; called as the look starts, when no other
        look of the camera runs, so its memory moves to a new definition whole."""
        with self._lock:
            camera = self._cameras.get(camera_id)
            new = self._redefined.pop(camera_id, None)
            if camera is None or new is None:
                return camera
            try:
                camera_memory.restore(new, camera_memory.capture(camera))
            except Exception:  # a look must still happen: the new definition starts fresh
                log.exception("camera %s: its memory did not carry over to its new definition", camera_id)
            self._cameras[camera_id] = new
            return new

    def _dispatch_loop(self) -> None:
        while not self._stopping.is_set() and not self._dispatcher_killed.is_set():
            self._refresh_reinspection()
            with self._wake:
                now = self._clock.now().timestamp()
                for visit in self._plan.due(now):
                    if self._orders is not None:
                        camera = self._cameras.get(visit.camera_id)
                        self._orders.send(visit, camera.revision if camera is not None else "")
                    else:
                        assert self._pool is not None
                        self._pool.submit(self._visit, visit)
                wait_s = min(max(self._plan.next_wake(now) - now, 0.01), _MAX_IDLE_S)
                self._wake.wait(wait_s)

    def _refresh_reinspection(self) -> None:
        """Re-inspect the schools whose hazards are open in the store; a failed read keeps the last set."""
        if time.monotonic() - self._reinspection_checked < self._reinspection_refresh_s:
            return
        self._reinspection_checked = time.monotonic()
        try:
            schools = self._store.schools_with_open_hazards()
        except Exception as exc:
            log.warning("cannot read open hazards for re-inspection: %s", type(exc).__name__)
            return
        self.set_reinspection(schools)

    def _visit(self, visit: Visit) -> None:
        assert self._looker is not None
        camera = self._camera_to_look_at(visit.camera_id)
        if camera is None:  # removed since the visit fell due
            self.visit_finished(visit.camera_id, 0.0, False, None)
            return
        follow_up_in_s = None
        failed = True
        started = time.monotonic()
        try:
            report = self._looker.look(camera, visit.kind)
            self._record(report)
            follow_up_in_s = report.follow_up_in_s
            failed = report.record.outcome is not LookOutcome.OK
            if report.findings:
                self._reinspection_checked = -float("inf")  # a new hazard: re-read soon
        except Exception:
            # A bug in one look must not stop the patrol; the look is still counted.
            log.exception("look at camera %s failed", camera.id)
            failed_look = self._recorder.record_failure(camera.id, visit.kind, self._clock.now())
            self.count_failure(failed_look.finished_at.timestamp())
        finally:
            self.visit_finished(camera.id, time.monotonic() - started, failed, follow_up_in_s)

    def count_failure(self, failed_at: float) -> None:
        with self._lock:
            self._counters.looks_failed += 1
            self._last_look_done = failed_at

    def visit_finished(
        self, camera_id: str, took_s: float, failed: bool, follow_up_in_s: float | None
    ) -> None:
        """A look ended, here or on a worker: its worker slot is free, and a follow-up it asked for is planned."""
        with self._wake:
            done_at = self._clock.now().timestamp()
            completed = self._plan.finished(camera_id, done_at, duration_s=took_s, failed=failed)
            if follow_up_in_s is not None and not self._stopping.is_set():
                self._plan.request_follow_up(camera_id, done_at, follow_up_in_s)
            records = [(ticket, self._on_demand_records.pop(ticket.id, None)) for ticket in completed]
            self._wake.notify_all()
        for ticket, record_id in records:
            self._complete_on_demand(ticket, record_id)

    def follow_up_wanted(self, camera_id: str, in_s: float) -> None:
        """A follow-up a camera's rules asked for outside a look this planner sent (a restart)."""
        if camera_id not in self._cameras:
            return
        with self._wake:
            self._plan.request_follow_up(camera_id, self._clock.now().timestamp(), in_s)
            self._wake.notify_all()

    def look_seen(self, outcome: str, findings: int, finished_at: float) -> None:
        """A look a worker recorded, counted in this planner's figures."""
        with self._lock:
            self._last_look_done = finished_at
            self._counters.looks_done += 1
            self._counters.findings_recorded += findings
            self._counters.by_outcome[outcome] = self._counters.by_outcome.get(outcome, 0) + 1

    def _complete_on_demand(self, ticket: OnDemandTicket, record_id: int | None) -> None:
        if record_id is None or ticket.completed_at is None:
            return
        record = self._store.complete_on_demand(record_id, datetime.fromtimestamp(ticket.completed_at, UTC))
        log.info(
            "on-demand patrol %d of school %s done: %d cameras in %.0f s%s",
            record.id,
            record.school_id,
            record.cameras,
            ticket.completed_at - ticket.requested_at,
            "" if record.on_time else " (later than asked)",
        )

    def _record(self, report: LookReport) -> None:
        self._recorder.record(report)
        self._count(report)

    def _count(self, report: LookReport) -> None:
        record = report.record
        self.look_seen(record.outcome, len(report.findings), record.finished_at.timestamp())


def record_on_demand(
    store: Store, school_id: str, requested_by: str, requested_at: datetime, within_s: float, cameras: int
) -> OnDemandRecord:
    """Stored first, with who asked and when, so even a patrol that stops before it is done
    leaves its audit trail."""
    return store.record_on_demand(
        OnDemandRequest(
            school_id, requested_by, requested_at, requested_at + timedelta(seconds=within_s), cameras
        )
    )
