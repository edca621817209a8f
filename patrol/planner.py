"""When to look at which camera: random times that nobody can predict, yet no camera waits too long.

The plan is pure bookkeeping in seconds of some clock, with no threads and no sleeping, so the
same code runs the live patrol and simulated days in tests.

Model: after each look starts, the gap to the next random look is drawn from an exponential
distribution with the camera's mean gap, truncated at its maximum gap less a dispatch margin
(inverse-CDF sampling, so there is no pile-up of visits at the cap). Within the cap the draw is
memoryless, so past visit times say nothing about the next one beyond what the model says.
"""

from __future__ import annotations

import heapq
import math
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from patrol.types import LookKind

# Share of the maximum gap kept free for queueing behind busy workers.
DISPATCH_MARGIN = 0.1


@dataclass(frozen=True)
class CameraPace:
    camera_id: str
    school_id: str
    max_gap_s: float
    mean_gap_s: float


@dataclass(frozen=True)
class Visit:
    camera_id: str
    school_id: str
    kind: LookKind
    due_at: float


@dataclass
class _CameraState:
    pace: CameraPace
    next_random_at: float
    last_start: float
    busy: bool = False
    follow_up_at: float | None = None
    on_demand: bool = False

    @property
    def deadline(self) -> float:
        return self.last_start + self.pace.max_gap_s


def draw_gap(rng: random.Random, mean_s: float, cap_s: float) -> float:
    """Exponential with mean `mean_s`, truncated at `cap_s`."""
    tail = 1.0 - math.exp(-cap_s / mean_s)
    return -mean_s * math.log(1.0 - rng.random() * tail)


@dataclass
class PlanFigures:
    """Aggregates only: these are safe to show; visit times are not."""

    looks_started: int = 0
    looks_late: int = 0
    worst_gap_ratio: float = 0.0


class VisitPlan:
    def __init__(
        self,
        cameras: Sequence[CameraPace],
        *,
        now: float,
        workers: int,
        max_per_school: int,
        rng: random.Random | None = None,
    ) -> None:
        self._rng = rng or secrets.SystemRandom()
        self._workers = workers
        self._max_per_school = max_per_school
        self._busy_per_school: dict[str, int] = {}
        self._running = 0
        self.figures = PlanFigures()
        self._cameras = {}
        for pace in cameras:
            # The first look comes at a random point of the first gap, as if a look had just passed.
            first = now + self._rng.uniform(0, pace.max_gap_s * (1 - DISPATCH_MARGIN))
            self._cameras[pace.camera_id] = _CameraState(pace, first, last_start=now)

    @property
    def running(self) -> int:
        return self._running

    def request_follow_up(self, camera_id: str, at: float) -> None:
        state = self._cameras[camera_id]
        if state.follow_up_at is None or at < state.follow_up_at:
            state.follow_up_at = at

    def request_on_demand(self, camera_id: str) -> None:
        self._cameras[camera_id].on_demand = True

    def due(self, now: float) -> list[Visit]:
        """Visits to start now, most urgent first, within worker, school and camera limits."""
        candidates = []
        for state in self._cameras.values():
            kind = self._due_kind(state, now)
            if kind is not None and not state.busy:
                candidates.append((state.deadline, state.pace.camera_id, kind))
        heapq.heapify(candidates)
        visits = []
        while candidates and self._running < self._workers:
            _, camera_id, kind = heapq.heappop(candidates)
            state = self._cameras[camera_id]
            school = state.pace.school_id
            if self._busy_per_school.get(school, 0) >= self._max_per_school:
                continue
            self._start(state, now)
            visits.append(Visit(camera_id, school, kind, now))
        return visits

    def finished(self, camera_id: str, now: float) -> None:
        state = self._cameras[camera_id]
        if not state.busy:
            return
        state.busy = False
        self._running -= 1
        self._busy_per_school[state.pace.school_id] -= 1

    def next_wake(self, now: float) -> float:
        """When the next visit falls due, after a call to `due(now)`.

        Visits already due that could not start wait for capacity, which only a finishing look
        frees: callers wake on `finished` for those.
        """
        times = [self._next_time(state) for state in self._cameras.values() if not state.busy]
        return min((t for t in times if t > now), default=now + 60.0)

    @staticmethod
    def _next_time(state: _CameraState) -> float:
        times = [state.next_random_at]
        if state.follow_up_at is not None:
            times.append(state.follow_up_at)
        if state.on_demand:
            times.append(float("-inf"))
        return min(times)

    @staticmethod
    def _due_kind(state: _CameraState, now: float) -> LookKind | None:
        if state.on_demand:
            return LookKind.ON_DEMAND
        if state.follow_up_at is not None and state.follow_up_at <= now:
            return LookKind.FOLLOW_UP
        if state.next_random_at <= now:
            return LookKind.RANDOM
        return None

    def _start(self, state: _CameraState, now: float) -> None:
        gap = now - state.last_start
        self.figures.looks_started += 1
        self.figures.worst_gap_ratio = max(self.figures.worst_gap_ratio, gap / state.pace.max_gap_s)
        if gap > state.pace.max_gap_s:
            self.figures.looks_late += 1
        state.busy = True
        state.last_start = now
        state.on_demand = False
        if state.follow_up_at is not None and state.follow_up_at <= now:
            state.follow_up_at = None
        cap = state.pace.max_gap_s * (1 - DISPATCH_MARGIN)
        state.next_random_at = now + draw_gap(self._rng, state.pace.mean_gap_s, cap)
        self._running += 1
        self._busy_per_school[state.pace.school_id] = self._busy_per_school.get(state.pace.school_id, 0) + 1
