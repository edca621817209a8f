"""Prometheus figures of one patrol process, in a registry of its own (never the library's global
default, so two patrols or two apps in one process never mix their figures).

Looks and detector calls are counted as they happen; the planner's, the store's and the
notifier's figures are read when Prometheus scrapes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from detectors.types import Detections, PersonDetector
from patrol.records import LookRecord
from patrol.store import Store

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# A look is a snapshot (about a second) or a clip of 8 to 15 s that may queue on the detector.
LOOK_BUCKETS_S = (0.5, 1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 128)
DETECTOR_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 4, 8)


@dataclass(frozen=True)
class PlannerFigures:
    """What the planner can say without naming a future look time."""

    workers: int
    looks_in_progress: int
    looks_with_deadline: int
    looks_late: int
    random_looks_wanted: int
    random_looks_thinned: int
    random_looks_dropped: int
    follow_ups_late: int
    on_demand_late: int
    demand_workers: float
    admitted_share: dict[str, float]
    # The costs the finished looks credited back to the planner, by camera role.
    look_costs: dict[str, dict[str, float]]


@dataclass(frozen=True)
class SiteFigures:
    open_events: dict[str, int]  # by event type
    cameras: dict[str, int]  # by health state: ok, not_looked_at, or the camera problem


@dataclass(frozen=True)
class BrokerFigures:
    """The county planner's orders: aggregates only, never a look time."""

    active: bool  # this planner holds the lease; a standby says 0
    orders_waiting: int  # in the broker's queue, not yet taken by a worker
    orders_in_flight: int  # sent and not yet done
    looks_lost: int  # no worker took them, or one took them and sent no word


@dataclass(frozen=True)
class OutboxFigures:
    sent: int
    failed: int
    dropped: int
    queued: int


def site_figures(store: Store) -> SiteFigures:
    """The dashboard's counts, as figures: the open events by type and the cameras by health."""
    cameras: dict[str, int] = {}
    for camera in store.camera_health():
        if camera.problems:
            state = camera.problems[0].value
        else:
            state = "ok" if camera.last_look_at is not None else "not_looked_at"
        cameras[state] = cameras.get(state, 0) + 1
    open_events = {event_type.value: count for event_type, count in store.open_counts().items()}
    return SiteFigures(open_events, cameras)


class PatrolMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._looks = Counter(
            "patrol_looks",
            "Looks finished, by kind and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self._look_duration = Histogram(
            "patrol_look_duration_seconds",
            "Time from a look's start to its verdicts, by kind",
            ["kind"],
            buckets=LOOK_BUCKETS_S,
            registry=self.registry,
        )
        self._detector_latency = Histogram(
            "patrol_detector_latency_seconds",
            "One call of the person detector (a batch of frames), waiting for the model included",
            buckets=DETECTOR_BUCKETS_S,
            registry=self.registry,
        )
        self._sources = _Sources()
        self.registry.register(self._sources)

    def observe_look(self, record: LookRecord) -> None:
        self._looks.labels(record.kind.value, record.outcome.value).inc()
        took_s = (record.finished_at - record.started_at).total_seconds()
        self._look_duration.labels(record.kind.value).observe(max(took_s, 0.0))

    def timed(self, detector: PersonDetector) -> PersonDetector:
        """The detector, its every call timed into patrol_detector_latency_seconds."""
        return _TimedDetector(detector, self._detector_latency)

    def watch_planner(self, figures: Callable[[], PlannerFigures]) -> None:
        self._sources.planner = figures

    def watch_site(self, figures: Callable[[], SiteFigures]) -> None:
        self._sources.site = figures

    def watch_outboxes(self, figures: Callable[[], dict[str, OutboxFigures]]) -> None:
        self._sources.outboxes = figures

    def watch_broker(self, figures: Callable[[], BrokerFigures]) -> None:
        self._sources.broker = figures

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _TimedDetector:
    def __init__(self, detector: PersonDetector, latency: Histogram) -> None:
        self._detector = detector
        self._latency = latency
        self.name = detector.name
        self.sha256 = detector.sha256

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[Detections]:
        started = time.perf_counter()
        try:
            return self._detector.detect(images)
        finally:
            self._latency.observe(time.perf_counter() - started)


class _Sources(Collector):
    """Figures read at scrape time; a source that fails is reported as down, never as a 500."""

    def __init__(self) -> None:
        self.planner: Callable[[], PlannerFigures] | None = None
        self.site: Callable[[], SiteFigures] | None = None
        self.outboxes: Callable[[], dict[str, OutboxFigures]] | None = None
        self.broker: Callable[[], BrokerFigures] | None = None

    def describe(self) -> list[Metric]:
        return []  # the families depend on which sources are watched

    def collect(self) -> Iterator[Metric]:
        if self.planner is not None:
            yield from _planner_metrics(self.planner())
        if self.site is not None:
            up = GaugeMetricFamily("patrol_database_up", "1 when the database answered this scrape")
            try:
                site = self.site()
            except Exception as exc:  # an unreachable database must not break the scrape
                log.warning("metrics: cannot read the database: %s", type(exc).__name__)
                up.add_metric([], 0)
                yield up
            else:
                up.add_metric([], 1)
                yield up
                yield from _site_metrics(site)
        if self.outboxes is not None:
            yield from _outbox_metrics(self.outboxes())
        if self.broker is not None:
            yield from _broker_metrics(self.broker())


def _planner_metrics(figures: PlannerFigures) -> Iterator[Metric]:
    yield _gauge("patrol_workers", "Look workers of the patrol", figures.workers)
    yield _gauge("patrol_looks_in_progress", "Looks running now", figures.looks_in_progress)
    yield _counter(
        "patrol_looks_with_deadline", "Looks that had a maximum gap to keep", figures.looks_with_deadline
    )
    yield _counter("patrol_looks_late", "Looks that came after their maximum gap", figures.looks_late)
    yield _counter(
        "patrol_random_looks_wanted",
        "Random look arrivals the timetable asked for",
        figures.random_looks_wanted,
    )
    shed = CounterMetricFamily(
        "patrol_random_looks_shed",
        "Random looks not made for want of capacity: thinned before, or dropped after waiting",
        labels=["how"],
    )
    shed.add_metric(["thinned"], figures.random_looks_thinned)
    shed.add_metric(["dropped"], figures.random_looks_dropped)
    yield shed
    yield _counter("patrol_follow_ups_late", "Follow-up looks later than asked", figures.follow_ups_late)
    yield _counter(
        "patrol_on_demand_late", "On-demand patrols later than their bound", figures.on_demand_late
    )
    yield _gauge(
        "patrol_planner_demand_workers",
        "Workers the random and required looks would need now (shortfall when above patrol_workers)",
        figures.demand_workers,
    )
    admitted = GaugeMetricFamily(
        "patrol_planner_admitted_share",
        "Share of random arrivals the planner admits, by class",
        labels=["class"],
    )
    for name, share in sorted(figures.admitted_share.items()):
        admitted.add_metric([name], share)
    yield admitted
    cost = GaugeMetricFamily(
        "patrol_planner_look_cost_seconds",
        "Worker-seconds a look costs, as finished looks credited it back to the planner",
        labels=["role", "outcome"],
    )
    failures = GaugeMetricFamily(
        "patrol_planner_failure_share", "Share of looks that fail, as the planner learned it", labels=["role"]
    )
    for role, costs in sorted(figures.look_costs.items()):
        cost.add_metric([role, "ok"], costs["look_s"])
        cost.add_metric([role, "failed"], costs["failed_look_s"])
        failures.add_metric([role], costs["failure_share"])
    yield cost
    yield failures


def _site_metrics(site: SiteFigures) -> Iterator[Metric]:
    events = GaugeMetricFamily(
        "patrol_open_events", "Events waiting for a decision (status new), by type", labels=["type"]
    )
    for event_type, count in sorted(site.open_events.items()):
        events.add_metric([event_type], count)
    yield events
    cameras = GaugeMetricFamily("patrol_cameras", "Cameras by health state", labels=["state"])
    for state, count in sorted(site.cameras.items()):
        cameras.add_metric([state], count)
    yield cameras


def _outbox_metrics(outboxes: dict[str, OutboxFigures]) -> Iterator[Metric]:
    messages = CounterMetricFamily(
        "patrol_notify_messages",
        "Notifications by destination and outcome; dropped: the destination's queue was full",
        labels=["destination", "outcome"],
    )
    queued = GaugeMetricFamily(
        "patrol_notify_queue_depth", "Notifications waiting to be sent", labels=["destination"]
    )
    for name, figures in sorted(outboxes.items()):
        messages.add_metric([name, "sent"], figures.sent)
        messages.add_metric([name, "failed"], figures.failed)
        messages.add_metric([name, "dropped"], figures.dropped)
        queued.add_metric([name], figures.queued)
    yield messages
    yield queued


def _broker_metrics(figures: BrokerFigures) -> Iterator[Metric]:
    yield _gauge("patrol_planner_active", "1 while this planner is the active one", int(figures.active))
    yield _gauge(
        "patrol_broker_orders_waiting",
        "Look orders in the broker's queue, not yet taken",
        figures.orders_waiting,
    )
    yield _gauge(
        "patrol_broker_orders_in_flight", "Look orders sent and not yet done", figures.orders_in_flight
    )
    yield _counter(
        "patrol_looks_lost",
        "Look orders no worker took, or that a worker took and sent no word of, within the look timeout",
        figures.looks_lost,
    )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, documentation, value=value)
