"""The running patrol: a dispatcher thread that follows the visit plan and a pool of look workers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from patrol.cameras import PatrolCamera
from patrol.clock import Clock
from patrol.look import Looker, LookReport
from patrol.planner import Visit, VisitPlan
from patrol.store import Store
from patrol.store.records import LookRecord
from patrol.types import LookKind, LookOutcome

log = logging.getLogger(__name__)

# The dispatcher re-checks the plan at least this often, so a stop or a new request is never stuck.
_MAX_IDLE_S = 1.0


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
        looker: Looker,
        clock: Clock,
        *,
        workers: int,
        max_per_school: int,
    ) -> None:
        self._cameras = {camera.id: camera for camera in cameras}
        self._store = store
        self._looker = looker
        self._clock = clock
        self._workers = workers
        self._plan = VisitPlan(
            [camera.pace for camera in cameras],
            now=clock.now().timestamp(),
            workers=workers,
            max_per_school=max_per_school,
        )
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._counters = _Counters()

    # Lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the patrol is already running")
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="look")
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
        log.info("patrol stopped after %d looks", self._counters.looks_done)

    def join(self, timeout_s: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)

    # Control and figures --------------------------------------------------------------------

    def status(self) -> dict[str, object]:
        """Aggregates only: the plan's future visit times are never exposed."""
        with self._lock:
            figures = self._plan.figures
            return {
                "running": self._thread is not None and not self._stopping.is_set(),
                "cameras": len(self._cameras),
                "workers": self._workers,
                "looks_in_progress": self._plan.running,
                "looks_done": self._counters.looks_done,
                "looks_failed": self._counters.looks_failed,
                "findings_recorded": self._counters.findings_recorded,
                "looks_by_outcome": dict(self._counters.by_outcome),
                "looks_late": figures.looks_late,
                "worst_gap_ratio": round(figures.worst_gap_ratio, 3),
            }

    def run_look(self, camera_id: str, kind: LookKind = LookKind.ON_DEMAND) -> LookReport:
        """One look now, in the caller's thread (tests, and the officer's 'look now')."""
        report = self._looker.look(self._cameras[camera_id], kind)
        self._record(report)
        return report

    # Internals ------------------------------------------------------------------------------

    def _dispatch_loop(self) -> None:
        assert self._pool is not None
        while not self._stopping.is_set():
            with self._wake:
                now = self._clock.now().timestamp()
                for visit in self._plan.due(now):
                    self._pool.submit(self._visit, visit)
                wait_s = min(max(self._plan.next_wake(now) - now, 0.01), _MAX_IDLE_S)
                self._wake.wait(wait_s)

    def _visit(self, visit: Visit) -> None:
        camera = self._cameras[visit.camera_id]
        follow_up_in_s = None
        try:
            report = self._looker.look(camera, visit.kind)
            self._record(report)
            follow_up_in_s = report.follow_up_in_s
        except Exception:
            # A bug in one look must not stop the patrol; the look is still counted.
            log.exception("look at camera %s failed", camera.id)
            failed_at = self._clock.now()
            self._store.record_look(
                LookRecord(
                    camera.id, visit.kind, failed_at, failed_at, LookOutcome.FAILED, detail="internal error"
                )
            )
            with self._lock:
                self._counters.looks_failed += 1
        finally:
            with self._wake:
                done_at = self._clock.now().timestamp()
                self._plan.finished(camera.id, done_at)
                if follow_up_in_s is not None and not self._stopping.is_set():
                    self._plan.request_follow_up(camera.id, done_at + follow_up_in_s)
                self._wake.notify_all()

    def _record(self, report: LookReport) -> None:
        record = report.record
        if report.new_reference is not None:
            self._store.set_reference(report.new_reference)
            log.info("camera %s: reference view taken", record.camera_id)
        for finding in report.findings:
            event = self._store.record_finding(finding)
            log.info(
                "camera %s: %s (event %d, %d looks)", record.camera_id, finding.type, event.id, event.looks
            )
        for event_type in report.cleared:
            ended = self._store.end_condition(record.camera_id, event_type, record.finished_at)
            if ended is not None:
                log.info("camera %s: %s no longer seen (event %d)", record.camera_id, event_type, ended.id)
        self._store.record_look(record)
        log.info(
            "look %s at camera %s: %s, %d frames, up to %d persons",
            record.kind,
            record.camera_id,
            record.outcome,
            record.frames,
            record.max_persons,
        )
        with self._lock:
            self._counters.looks_done += 1
            self._counters.findings_recorded += len(report.findings)
            self._counters.by_outcome[record.outcome] = self._counters.by_outcome.get(record.outcome, 0) + 1
