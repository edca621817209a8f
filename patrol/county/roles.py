"""The three county roles put together: planner, worker, and the API's way to the planner."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from patrol.cameras import build_sites
from patrol.clock import SystemClock
from patrol.config import PatrolConfig
from patrol.county.broker import celery_app, tell_planner
from patrol.county.locks import PlannerLease
from patrol.county.messages import OnDemandAsked
from patrol.county.planner import BrokerOrders
from patrol.county.status import RoleStatus, StatusPort, StatusServer
from patrol.county.worker import WorkerLooks, run_worker, worker_name
from patrol.hazards import HazardRegister
from patrol.look import Looker
from patrol.look_recorder import LookRecorder
from patrol.metrics import BrokerFigures, PatrolMetrics
from patrol.records import OnDemandRecord
from patrol.runtime import Patrol, UnknownSchool, record_on_demand
from patrol.store import Store

if TYPE_CHECKING:
    from patrol.registry.directory import CameraChanges, CameraDirectory

log = logging.getLogger(__name__)

_FIGURES_EVERY_S = 60.0


def broker_url(config: PatrolConfig) -> str:
    if config.broker_url is None:
        raise SystemExit(
            "this role needs `broker_url` in the config (RabbitMQ, e.g. amqp://guest:guest@127.0.0.1:5672//)"
        )
    return config.broker_url.get_secret_value()


def run_planner(
    config: PatrolConfig,
    store: Store,
    directory: CameraDirectory | None = None,
    status_port: StatusPort | None = None,
) -> None:
    """Blocks until SIGTERM or Ctrl-C. A standby waits for the active planner's lease.
    `directory`: the imported cameras, read again every `registry.refresh_s` while active.
    `status_port`: where /healthz, /readyz and /metrics answer, standby or active."""
    app = celery_app(broker_url(config))
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    lease = PlannerLease(store.engine)
    metrics = PatrolMetrics()
    duty = PlannerDuty(store)
    metrics.watch_broker(duty.broker_figures)
    status = _serve_status("planner", metrics, duty, status_port)
    log.info("planner waiting to be the active one")
    try:
        if not lease.wait(stopping):
            return
        log.info("planner active")
        schools, cameras = build_sites(config)
        store.sync_sites(schools, [camera.record() for camera in cameras])
        clock = SystemClock()
        last_looked = {camera_id: at.timestamp() for camera_id, at in store.last_looked().items()}
        patrol = Patrol.from_config(config, cameras, store, None, clock, metrics, last_looked=last_looked)
        orders = BrokerOrders(app, store, look_timeout_s=config.sampling.look_timeout_s)
        orders.listen(patrol)
        now = clock.now()
        for camera_id, at in store.follow_ups_wanted().items():
            patrol.follow_up_wanted(camera_id, max((at - now).total_seconds(), 0.0))
        patrol.start(orders)
        duty.became_active(patrol, orders)
        refresh = None
        if directory is not None:
            from patrol.registry.refresh import start_camera_refresh

            # Imported meanwhile (a standby waits long): taken before the first refresh's wait.
            refresh = start_camera_refresh(config, directory, [patrol])
            refresh.run_once()
        next_figures = time.monotonic() + _FIGURES_EVERY_S
        try:
            while not stopping.wait(5.0):
                if time.monotonic() >= next_figures:
                    log_figures(patrol, orders)
                    next_figures = time.monotonic() + _FIGURES_EVERY_S
                if not lease.still_held():
                    duty.lease_lost = True
                    log.error("planner lost its lease in the database; stopping so a standby takes over")
                    break
        except KeyboardInterrupt:
            pass
        finally:
            if refresh is not None:
                refresh.stop()
            patrol.stop()
            log_figures(patrol, orders)
    finally:
        lease.release()
        if status is not None:
            status.stop()


class PlannerDuty:
    """What the planner's /readyz and broker figures read: a standby is ready while the database
    answers (it must be, to take over); the active one while its dispatcher patrols, its lease
    holds and it hears the broker."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._patrol: Patrol | None = None
        self._orders: BrokerOrders | None = None
        self.lease_lost = False

    def became_active(self, patrol: Patrol, orders: BrokerOrders) -> None:
        self._orders = orders
        self._patrol = patrol  # last: a reader that sees the patrol sees its orders

    def state(self) -> str:
        return "standby" if self._patrol is None else "active"

    def problems(self) -> list[str]:
        if self._patrol is None or self._orders is None:
            return database_problems(self._store)
        reasons = []
        if self.lease_lost:
            reasons.append("the planner lost its lease in the database")
        problem = self._patrol.readiness_problem()
        if problem is not None:
            reasons.append(problem)
        if not self._orders.connected:
            reasons.append("the planner is not connected to the broker")
        return reasons

    def broker_figures(self) -> BrokerFigures:
        orders = self._orders
        if self._patrol is None or orders is None:
            return BrokerFigures(active=False, orders_waiting=0, orders_in_flight=0, looks_lost=0)
        return BrokerFigures(
            active=True,
            orders_waiting=orders.waiting,
            orders_in_flight=orders.in_flight(),
            looks_lost=orders.lost,
        )


def database_problems(store: Store) -> list[str]:
    try:
        store.list_schools()  # the cheapest read: one small table
    except Exception as exc:
        # The error text may name the server; keep it in the log, not the answer.
        log.warning("readiness: database unreachable: %s", exc)
        return [f"database unreachable ({type(exc).__name__})"]
    return []


def _serve_status(
    role: str,
    metrics: PatrolMetrics,
    duty: PlannerDuty | None,
    where: StatusPort | None,
    store: Store | None = None,
) -> StatusServer | None:
    if where is None:
        return None
    if duty is not None:
        status = RoleStatus(role, metrics, duty.problems, duty.state)
    else:
        assert store is not None
        status = RoleStatus(role, metrics, lambda: database_problems(store))
    return StatusServer(status, where).start()


def log_figures(patrol: Patrol, orders: BrokerOrders) -> None:
    """Aggregates only (never a visit time), for the operator's log and the county benchmark."""
    status = patrol.status()
    figures = {
        "looks_done": status["looks_done"],
        "looks_lost": orders.lost,
        "orders_waiting_in_broker": orders.waiting,
        "coverage": status["coverage"],
        "worst_gap_ratio": status["worst_gap_ratio"],
        "shortfall": status["shortfall"],
    }
    log.info("planner figures: %s", json.dumps(figures, sort_keys=True))


def start_worker(
    config: PatrolConfig,
    store: Store,
    concurrency: int,
    directory: CameraDirectory | None = None,
    status_port: StatusPort | None = None,
) -> None:
    """Blocks; Celery's warm shutdown on SIGTERM lets looks under way finish and be recorded.
    `directory`: the imported cameras, read again every `registry.refresh_s` and whenever an
    order names a camera this worker does not know as the planner did.
    `status_port`: where /healthz, /readyz and /metrics answer."""
    from detectors.manifest import ModelError
    from patrol.detection import build_detector
    from patrol.registry.refresh import CameraRefresh, start_camera_refresh

    app = celery_app(broker_url(config))
    _, cameras = build_sites(config)
    metrics = PatrolMetrics()
    try:
        detector = build_detector(config.detector)
    except ModelError as exc:
        raise SystemExit(f"detector: {exc}") from None
    clock = SystemClock()
    refresh: CameraRefresh | None = None
    looks = WorkerLooks(
        app,
        cameras,
        store,
        Looker(metrics.timed(detector), config.sampling, clock, references=store),
        LookRecorder(store, HazardRegister(store), metrics),
        clock,
        name=worker_name(),
        look_timeout_s=config.sampling.look_timeout_s,
    )
    if directory is not None:
        refresh = start_camera_refresh(config, directory, [looks])
        looks.read_cameras_with(refresh)
    log.info("worker %s: %d cameras, %d looks at a time", looks.name, len(cameras), concurrency)
    status = _serve_status(f"worker {looks.name}", metrics, None, status_port, store)
    try:
        run_worker(app, looks, concurrency)
    finally:
        if refresh is not None:
            refresh.stop()
        if status is not None:
            status.stop()


class PlannerByBroker:
    """The patrol as `patrol serve` sees it when the planner runs elsewhere."""

    def __init__(self, config: PatrolConfig, store: Store) -> None:
        self._app = celery_app(broker_url(config))
        self._store = store
        self._within_s = config.sampling.on_demand_within_s
        self._schools = {camera.id: camera.school for camera in config.cameras}

    def apply_camera_changes(self, changes: CameraChanges) -> None:
        """Imported cameras changed: on-demand patrols count the cameras of a school as it is now."""
        schools = dict(self._schools)
        for camera_id in changes.removed:
            schools.pop(camera_id, None)
        for camera in (*changes.added, *changes.changed):
            schools[camera.id] = camera.school_id
        self._schools = schools  # one assignment: a request reads the old map or the new one

    def status(self) -> dict[str, object]:
        return {"planner": "separate process", "cameras": len(self._schools)}

    def request_on_demand(self, school_id: str, requested_by: str) -> OnDemandRecord:
        cameras = sum(school == school_id for school in self._schools.values())
        if not cameras:
            raise UnknownSchool(school_id)
        record = record_on_demand(
            self._store, school_id, requested_by, datetime.now(UTC), self._within_s, cameras
        )
        tell_planner(self._app, OnDemandAsked(record.id))
        return record

    def readiness_problem(self) -> str | None:
        # The API's own readiness (database, schema) is checked by /readyz; the planner's
        # dispatcher lives in its own process.
        return None
