"""`patrol worker`: a Celery worker whose threads take look orders, look, record and report back.

Whichever worker takes a camera's look first restores the memory the camera's previous look
saved, then saves it again with the look: a camera is judged as one process would judge it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from celery import Celery
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from patrol import camera_memory
from patrol.cameras import PatrolCamera
from patrol.clock import Clock
from patrol.county.broker import LOOK_TASK, LOOKS_QUEUE, tell_planner
from patrol.county.locks import camera_lock
from patrol.county.messages import LookDone, LookOrder, LookStarted
from patrol.look import CameraLooker, LookReport
from patrol.look_recorder import LookRecorder
from patrol.records import CameraMemory
from patrol.store import Store

if TYPE_CHECKING:
    from patrol.registry.directory import CameraChanges
    from patrol.registry.refresh import CameraRefresh

log = logging.getLogger(__name__)

# A database that is away is waited for, this long between tries, within the look timeout.
_RETRY_S = 2.0


class WorkerLooks:
    def __init__(
        self,
        app: Celery,
        cameras: Sequence[PatrolCamera],
        store: Store,
        looker: CameraLooker,
        recorder: LookRecorder,
        clock: Clock,
        *,
        name: str,
        look_timeout_s: float,
    ) -> None:
        self._app = app
        self._cameras = {camera.id: camera for camera in cameras}
        self._cameras_lock = threading.Lock()
        self._refresh: CameraRefresh | None = None
        self._store = store
        self._looker = looker
        self._recorder = recorder
        self._clock = clock
        self.name = name
        self._look_timeout_s = look_timeout_s

    def read_cameras_with(self, refresh: CameraRefresh) -> None:
        """`refresh` reads the imported cameras again (and hands the changes to this worker's
        `apply_camera_changes`) for an order whose camera is not known here as the planner knew it."""
        self._refresh = refresh

    def apply_camera_changes(self, changes: CameraChanges) -> None:
        """Imported cameras changed: a look under way keeps the definition it started with."""
        with self._cameras_lock:
            for camera_id in changes.removed:
                self._cameras.pop(camera_id, None)
            for camera in (*changes.added, *changes.changed):
                self._cameras[camera.id] = camera

    def camera_for(self, order: LookOrder) -> PatrolCamera | None:
        """The camera as the planner knew it when it sent the order, or as it is defined since.

        A camera this worker does not know, or knows by another definition than the order's,
        has the database read again first, unless it was read after the order was sent.
        """
        with self._cameras_lock:
            camera = self._cameras.get(order.camera_id)
        if self._refresh is None or (camera is not None and camera.revision == order.camera_revision):
            return camera
        # An unknown camera is read for whatever the clocks say: the machines' clocks may differ.
        if camera is None or self._refresh.refreshed_at < order.due_at:
            log.info(
                "order %s: camera %s is new or redefined here; reading the cameras",
                order.visit_id,
                order.camera_id,
            )
            try:
                self._refresh.run_once()
            except SQLAlchemyError as exc:  # the database away: judge with what is known
                log.warning("order %s: cannot read the cameras (%s)", order.visit_id, type(exc).__name__)
            with self._cameras_lock:
                camera = self._cameras.get(order.camera_id)
        return camera

    def run(self, order: LookOrder) -> None:
        camera = self.camera_for(order)
        if camera is None:
            # Another config than the planner's, or a camera removed since the order was sent:
            # say so loudly; the planner plans the camera again if it still has it.
            log.error(
                "order %s: camera %s is neither in this worker's config nor imported",
                order.visit_id,
                order.camera_id,
            )
            self._done(order, 0.0, "failed", True, 0, None)
            return
        tell_planner(self._app, LookStarted(order.visit_id, order.camera_id, self.name))
        log.info("order %s: %s look at camera %s", order.visit_id, order.kind, camera.id)
        started = time.monotonic()
        with camera_lock(self._store.engine, camera.id, self._look_timeout_s) as held:
            if not held:
                log.warning(
                    "order %s: camera %s is still being looked at; order dropped", order.visit_id, camera.id
                )
                self._done(order, time.monotonic() - started, "failed", True, 0, None)
                return
            if self._store.look_answered(order.visit_id):
                # Redelivered after its look was recorded (the worker died before acknowledging).
                log.info("order %s was answered before; not looked at again", order.visit_id)
                self._done(order, time.monotonic() - started, "ok", False, 0, None)
                return
            report = self._look(camera, order)
        if report is None:
            self._done(order, time.monotonic() - started, "failed", True, 0, None)
            return
        record = report.record
        log.info("order %s: %s in %.1f s", order.visit_id, record.outcome, time.monotonic() - started)
        self._done(
            order,
            time.monotonic() - started,
            record.outcome.value,
            record.outcome.value != "ok",
            len(report.findings),
            report.follow_up_in_s,
        )

    def _look(self, camera: PatrolCamera, order: LookOrder) -> LookReport | None:
        camera_memory.restore(camera, self._store.camera_memory(camera.id))
        try:
            report = self._looker.look(camera, order.kind)
        except Exception:
            log.exception("look at camera %s failed", camera.id)
            self._patiently(
                lambda: self._recorder.record_failure(
                    camera.id, order.kind, self._clock.now(), visit_id=order.visit_id
                )
            )
            return None
        follow_up_at = (
            None
            if report.follow_up_in_s is None
            else report.record.finished_at + timedelta(seconds=report.follow_up_in_s)
        )
        memory = CameraMemory(camera_memory.capture(camera), follow_up_at)
        self._patiently(lambda: self._recorder.record(report, visit_id=order.visit_id, memory=memory))
        return report

    def _patiently(self, write: Callable[[], object]) -> None:
        """Retries a write while the database is away, within the look timeout, then raises."""
        deadline = time.monotonic() + self._look_timeout_s
        while True:
            try:
                write()
                return
            except OperationalError as exc:
                if time.monotonic() >= deadline:
                    raise
                log.warning("database unavailable (%s); retrying in %.0f s", type(exc).__name__, _RETRY_S)
                time.sleep(_RETRY_S)

    def _done(
        self,
        order: LookOrder,
        took_s: float,
        outcome: str,
        failed: bool,
        findings: int,
        follow_up_in_s: float | None,
    ) -> None:
        tell_planner(
            self._app,
            LookDone(
                order.visit_id,
                order.camera_id,
                self.name,
                round(took_s, 3),
                outcome,
                failed,
                findings,
                self._clock.now().timestamp(),
                follow_up_in_s,
            ),
        )


def worker_name() -> str:
    """Unique per process, so several workers on one machine tell their looks apart in the logs."""
    return f"worker{os.getpid()}@{socket.gethostname()}"


def run_worker(app: Celery, looks: WorkerLooks, concurrency: int, *, quiet: bool = False) -> None:
    """Blocks. SIGTERM is Celery's warm shutdown: looks under way finish and are recorded first.
    `quiet`: no start-up banner and warnings only (an evaluation's workers, whose output is the
    evaluation's)."""

    @app.task(name=LOOK_TASK, bind=True)
    def look(task: object, body: dict[str, object]) -> None:
        looks.run(LookOrder.from_message(body))

    app.worker_main(
        [
            *(["--quiet"] if quiet else []),
            "worker",
            f"--concurrency={concurrency}",
            "--pool=threads",
            f"--hostname={looks.name}",
            f"--queues={LOOKS_QUEUE}",
            f"--loglevel={'WARNING' if quiet else 'INFO'}",
            "--without-gossip",
            "--without-mingle",
        ]
    )
