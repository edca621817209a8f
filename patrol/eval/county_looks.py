"""`patrol eval --together --distributed`: the looks go over the broker to worker processes.

Each worker process runs what `patrol worker` runs (patrol.county.worker: the Celery worker and
its threads, each camera's memory restored from the database and saved with its look, the look
recorded before the order is acknowledged), with the detector loaded in that process. Two things
differ, as an evaluation needs: its cameras are the scenarios', and each camera's clock reads its
scenario's weekday and time of day, counted from the moment the planner's clock began to run.

The run must have the broker's patrol queues to itself: it refuses to start on a virtual host
where they hold messages or have consumers, and empties them when it ends.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path
from types import TracebackType
from typing import Self

from patrol.county.broker import celery_app, patrol_queues_in_use, purge_patrol_queues
from patrol.county.planner import BrokerOrders, PlannerPatrol
from patrol.eval.county_camera import CountyCamera, LookerPerCamera
from patrol.eval.harness import EvalSettings
from patrol.store import Store

log = logging.getLogger(__name__)

# Loading the detector in a fresh process takes seconds, more when several load at once.
_READY_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class CountyRun:
    """How `--distributed` runs: where the broker and the run's own database are, and how many
    worker processes (each a worker machine of the county, with its own detector) take looks."""

    broker_url: str
    database_url: str
    worker_processes: int
    verbose: bool = False


class BrokerBusy(RuntimeError):
    pass


@dataclass(frozen=True)
class _WorkerPlan:
    run: CountyRun
    cameras: tuple[CountyCamera, ...]
    settings: EvalSettings
    concurrency: int


class CountyLooks:
    """The worker processes of one run, from loading their detectors to their warm shutdown."""

    def __init__(self, run: CountyRun, settings: EvalSettings, look_workers: int) -> None:
        if run.worker_processes < 1:
            raise ValueError("a distributed run needs at least one worker process")
        self._run = run
        self._settings = settings
        self._app = celery_app(run.broker_url)
        # The planner's credits, shared out: the processes together run `look_workers` looks at once.
        self._concurrency = math.ceil(look_workers / run.worker_processes)
        self._context = get_context("spawn")  # a fresh interpreter, as a worker machine has
        self._begin = self._context.Event()
        self._epoch: Synchronized[float] = self._context.Value("d", 0.0)
        self._processes: list[BaseProcess] = []

    @property
    def worker_processes(self) -> int:
        return self._run.worker_processes

    def __enter__(self) -> Self:
        """Makes sure the run has the broker's patrol queues to itself."""
        busy = patrol_queues_in_use(self._app)
        if busy:
            raise BrokerBusy(
                "the broker's patrol queues are in use: "
                + "; ".join(busy)
                + ". Give the evaluation a virtual host of its own (e.g. rabbitmqctl add_vhost patrol-eval)"
            )
        return self

    def start_workers(self, cameras: Sequence[CountyCamera]) -> None:
        """Returns once every worker process has loaded its detector."""
        plan = _WorkerPlan(self._run, tuple(cameras), self._settings, self._concurrency)
        try:
            readies = [self._start_process(plan, n) for n in range(1, self._run.worker_processes + 1)]
            self._wait_until_ready(readies)
        except BaseException:
            self.stop_workers(timeout_s=10.0)
            raise

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop_workers(timeout_s=10.0)
        purge_patrol_queues(self._app)

    def orders(self, store: Store, patrol: PlannerPatrol) -> BrokerOrders:
        """The planner's way to the workers, listening for their word before it sends anything."""
        orders = BrokerOrders(self._app, store, look_timeout_s=self._settings.sampling.look_timeout_s)
        orders.listen(patrol)
        return orders

    def begin(self, epoch: float) -> None:
        """The planner's clock runs from `epoch` (wall seconds): the workers start taking looks."""
        self._epoch.value = epoch
        self._begin.set()

    def stop_workers(self, timeout_s: float) -> None:
        """SIGTERM: Celery's warm shutdown lets looks under way finish and be recorded."""
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + timeout_s
        for process in self._processes:
            process.join(max(deadline - time.monotonic(), 0.0))
            if process.is_alive():
                log.warning("%s did not stop within %.0f s; killed", process.name, timeout_s)
                process.kill()
                process.join(5.0)
        self._processes = []

    def _start_process(self, plan: _WorkerPlan, number: int) -> Event:
        ready = self._context.Event()
        process = self._context.Process(
            target=_work,
            args=(plan, ready, self._begin, self._epoch, os.getpid()),
            name=f"eval-worker-{number}",
        )
        process.start()
        self._processes.append(process)
        return ready

    def _wait_until_ready(self, readies: Sequence[Event]) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT_S
        for process, ready in zip(self._processes, readies, strict=True):
            while not ready.wait(1.0):
                if not process.is_alive():
                    raise RuntimeError(
                        f"{process.name} ended (exit code {process.exitcode}) before it was ready"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{process.name} was not ready within {_READY_TIMEOUT_S:.0f} s")


def _end_with_parent(parent_pid: int) -> None:
    """An evaluation killed outright leaves no worker taking orders: SIGTERM to itself."""
    while os.getppid() == parent_pid:
        time.sleep(2.0)
    os.kill(os.getpid(), signal.SIGTERM)


def _work(plan: _WorkerPlan, ready: Event, begin: Event, epoch: Synchronized[float], parent_pid: int) -> None:
    """A worker process: ready once its detector is loaded, looking once the planner's clock runs."""
    from detectors.manifest import ModelError
    from patrol.clock import Clock
    from patrol.county.worker import WorkerLooks, run_worker, worker_name
    from patrol.detection import build_detector
    from patrol.eval.clock import WallShiftedClock
    from patrol.eval.harness import warm_up
    from patrol.hazards import HazardRegister
    from patrol.logs import configure_logging
    from patrol.look import Looker
    from patrol.look_recorder import LookRecorder
    from patrol.metrics import PatrolMetrics

    os.dup2(2, 1)  # the evaluation's standard output is its report alone
    configure_logging(level=logging.INFO if plan.run.verbose else logging.WARNING)
    settings = plan.settings
    try:
        detector = build_detector(settings.detector)
    except ModelError as exc:
        raise SystemExit(f"patrol eval: {exc}") from None
    warm_up(detector)
    store = Store(plan.run.database_url, Path(settings.work_dir) / "evidence")
    cameras = [camera.patrol_camera(settings) for camera in plan.cameras]
    app = celery_app(plan.run.broker_url)
    threading.Thread(target=_end_with_parent, args=(parent_pid,), daemon=True).start()
    ready.set()
    begin.wait()
    clocks: dict[str, Clock] = {
        camera.camera_id: WallShiftedClock(camera.start(settings), epoch.value) for camera in plan.cameras
    }
    metrics = PatrolMetrics()
    timed = metrics.timed(detector)
    looks = WorkerLooks(
        app,
        cameras,
        store,
        LookerPerCamera(
            {
                camera_id: Looker(timed, settings.sampling, clock, views=store)
                for camera_id, clock in clocks.items()
            }
        ),
        LookRecorder(store, HazardRegister(store), metrics),
        clocks[plan.cameras[0].camera_id],  # the planner's clock: the first scenario's time
        name=worker_name(),
        look_timeout_s=settings.sampling.look_timeout_s,
    )
    try:
        run_worker(app, looks, plan.concurrency, quiet=not plan.run.verbose)
    finally:
        store.close()
