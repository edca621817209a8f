"""`patrol planner`: the visit plan sends each look out as an order when it falls due.

The planner keeps `sampling.workers` credits: an order takes one, and the worker's word that
the look is done gives it back (with the look's duration, outcome and any follow-up wanted).
A look that never starts, or starts and sends no word within `sampling.look_timeout_s`, is
counted lost: its credit comes back and the camera is planned again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from celery import Celery
from kombu import Connection, Consumer, Message

from patrol.county.broker import LOOK_TASK, LOOKS_QUEUE, looks_queue, planner_queue
from patrol.county.messages import LookDone, LookOrder, LookStarted, OnDemandAsked, from_message
from patrol.planner import Visit
from patrol.records import OnDemandRecord
from patrol.store import Store

log = logging.getLogger(__name__)

_QUEUE_DEPTH_EVERY_S = 5.0


class PlannerPatrol(Protocol):
    """What the orders report to (patrol.runtime.Patrol)."""

    def visit_finished(
        self, camera_id: str, took_s: float, failed: bool, follow_up_in_s: float | None
    ) -> None: ...

    def look_seen(self, outcome: str, findings: int, finished_at: float) -> None: ...

    def follow_up_wanted(self, camera_id: str, in_s: float) -> None: ...

    def schedule_on_demand(self, record: OnDemandRecord) -> None: ...


@dataclass
class _InFlight:
    camera_id: str
    sent_at: float  # monotonic
    started_at: float | None = None
    worker: str = ""


class BrokerOrders:
    def __init__(self, app: Celery, store: Store, *, look_timeout_s: float) -> None:
        self._app = app
        self._store = store
        self._look_timeout_s = look_timeout_s
        self._patrol: PlannerPatrol | None = None
        self._in_flight: dict[str, _InFlight] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: threading.Thread | None = None
        self.lost = 0
        self.done_by_worker: Counter[str] = Counter()  # looks each worker reported done
        self.waiting = 0  # orders in the broker's queue, counted every few seconds
        self.connected = False  # listening on the broker now
        self._waiting_counted_at = -float("inf")

    def listen(self, patrol: PlannerPatrol) -> None:
        """Start taking the workers' word; before the patrol starts, so no word is missed."""
        self._patrol = patrol
        self._listener = threading.Thread(target=self._listen, name="planner-listen", daemon=True)
        self._listener.start()

    def send(self, visit: Visit, camera_revision: str) -> None:
        """Called by the dispatcher as the visit falls due, and not before."""
        now = time.time()
        order = LookOrder(str(uuid.uuid4()), visit.camera_id, visit.kind, now, camera_revision)
        with self._lock:
            self._in_flight[order.visit_id] = _InFlight(visit.camera_id, time.monotonic())
        # An order no worker took within the look timeout is not wanted any more: by then
        # the planner has counted it lost and planned the camera again.
        self._app.send_task(
            LOOK_TASK,
            args=[order.to_message()],
            queue=LOOKS_QUEUE,
            expires=datetime.fromtimestamp(now, UTC) + timedelta(seconds=self._look_timeout_s),
            retry=True,
            retry_policy={"max_retries": None, "interval_start": 1, "interval_step": 1, "interval_max": 5},
        )

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            self._listener.join(10)

    def in_flight(self) -> int:
        with self._lock:
            return len(self._in_flight)

    # Listening --------------------------------------------------------------------------------

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                with (
                    Connection(self._app.conf.broker_url) as connection,
                    Consumer(connection, queues=[planner_queue], callbacks=[self._on_word], accept=["json"]),
                ):
                    log.info("planner listening for the workers' word on %s", planner_queue.name)
                    self.connected = True
                    while not self._stopping.is_set():
                        with contextlib.suppress(TimeoutError):
                            connection.drain_events(timeout=1.0)
                        self._give_up_lost()
                        self._count_waiting(connection)
            except Exception as exc:  # the broker went away: keep counting lost looks, reconnect
                self.connected = False
                log.warning("planner lost the broker (%s); reconnecting", type(exc).__name__)
                self._give_up_lost()
                self._stopping.wait(2.0)

    def _count_waiting(self, connection: Connection) -> None:
        """Orders sent and not yet taken by a worker: the broker's queue depth."""
        if time.monotonic() < self._waiting_counted_at + _QUEUE_DEPTH_EVERY_S:
            return
        self._waiting_counted_at = time.monotonic()
        # Declared as the workers declare it (it may not exist yet), then counted.
        bound = looks_queue.bind(connection.default_channel)
        bound.declare()
        self.waiting = bound.queue_declare(passive=True).message_count

    def _on_word(self, body: Any, message: Message) -> None:
        try:
            word = from_message(body)
        except (TypeError, ValueError) as exc:
            log.error("planner dropped a malformed message: %s", exc)
            message.ack()
            return
        assert self._patrol is not None
        if isinstance(word, LookStarted):
            with self._lock:
                flight = self._in_flight.get(word.visit_id)
                if flight is not None:
                    flight.started_at, flight.worker = time.monotonic(), word.worker
        elif isinstance(word, LookDone):
            self._finished(word)
        elif isinstance(word, OnDemandAsked):
            try:
                record = self._store.get_on_demand(word.request_id)
            except LookupError:
                log.error("on-demand request %d is not in the database", word.request_id)
            else:
                self._patrol.schedule_on_demand(record)
        message.ack()

    def _finished(self, word: LookDone) -> None:
        assert self._patrol is not None
        with self._lock:
            flight = self._in_flight.pop(word.visit_id, None)
            self.done_by_worker[word.worker] += 1
        self._patrol.look_seen(word.outcome, word.findings, word.finished_at)
        if flight is not None:
            self._patrol.visit_finished(word.camera_id, word.took_s, word.failed, word.follow_up_in_s)
        elif word.follow_up_in_s is not None:
            # An order of an earlier planner, or one given up on: its follow-up still counts.
            self._patrol.follow_up_wanted(word.camera_id, word.follow_up_in_s)

    def _give_up_lost(self) -> None:
        assert self._patrol is not None
        now = time.monotonic()
        lost = []
        with self._lock:
            for visit_id, flight in list(self._in_flight.items()):
                since = flight.sent_at if flight.started_at is None else flight.started_at
                if now - since > self._look_timeout_s:
                    lost.append((visit_id, self._in_flight.pop(visit_id)))
        for visit_id, flight in lost:
            self.lost += 1
            log.warning(
                "order %s for camera %s lost (%s); planning the camera again",
                visit_id,
                flight.camera_id,
                f"worker {flight.worker} sent no word" if flight.started_at else "no worker took it",
            )
            self._patrol.visit_finished(flight.camera_id, now - flight.sent_at, True, None)
