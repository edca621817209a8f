"""When to look at which camera: random times that nobody can predict, yet no camera waits too long.

The plan is pure bookkeeping in seconds of some clock, with no threads and no sleeping, so the
same code runs the live patrol and simulated days. The model and its guarantees are written up in
docs/planner.md; in short:

- random looks of a camera form a Poisson process whose rate follows its school's timetable
  (exponential gaps, drawn on the time scale of the integrated rate, so a window boundary needs no
  special case);
- a camera's maximum gap is kept by a forced look at a random time in the last quarter of the gap
  (less a dispatch margin) when no random look came first;
- dispatch is by priority class, earliest deadline first inside a class, within the workers, one
  look per camera and `max_per_school` looks per school;
- when the learned cost of the random looks exceeds what the workers can do, random arrivals are
  thinned (a thinned Poisson process is still one) and the shortfall is counted, never hidden.

Nothing here logs, and nothing public returns a future visit time.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from patrol.planner.calendar import DAY_S, KEY_ROLES, CameraCalendar, SchoolCalendar
from patrol.planner.capacity import LookCosts, MeasuredLoad
from patrol.stream_slots import StreamSlots
from patrol.types import CameraRole, LookKind

# The forced look falls uniformly between these shares of the maximum gap before the deadline:
# late enough that random looks keep most gaps, early enough to absorb queueing.
GUARD_EARLIEST = 0.25
DISPATCH_MARGIN = 0.1
# A random look that cannot start within this share of its maximum gap is dropped and counted.
RANDOM_PATIENCE = 0.05
# Share of the workers that random looks may plan to fill; the rest absorbs bursts.
TARGET_UTILISATION = 0.9
# A follow-up asked for after X comes at a random time in [X, X·(1 + FOLLOW_UP_SPREAD)], and starts
# by X·(1 + FOLLOW_UP_SLACK) at the latest.
FOLLOW_UP_SPREAD = 0.2
FOLLOW_UP_SLACK = 0.25
# How far ahead the calendar is read; beyond it the draw is repeated (the process is memoryless).
HORIZON_S = 7 * DAY_S
ADMISSION_INTERVAL_S = 30.0
INF = math.inf


class Priority(IntEnum):
    """Dispatch classes, most urgent first; earliest deadline first inside each."""

    URGENT = 0  # on-demand patrols, follow-ups, and booth and gate guarantees in peak windows
    GUARANTEE = 1  # the maximum gap of every other camera
    KEY_RANDOM = 2  # random looks at booth and gate cameras in peak windows
    RANDOM = 3  # all other random looks


@dataclass(frozen=True)
class CameraPace:
    """What the planner needs to know of a camera."""

    camera_id: str
    school_id: str
    role: CameraRole
    timetable: str
    gap_cap_s: float | None = None  # the camera's own max_gap_s, tightening every window's


@dataclass(frozen=True)
class Visit:
    camera_id: str
    school_id: str
    kind: LookKind
    started_at: float
    priority: Priority
    forced: bool  # made to keep the maximum gap, not drawn at random


@dataclass
class OnDemandTicket:
    """An officer's request that every camera of a school be looked at by `deadline`."""

    id: int
    school_id: str
    requested_at: float
    deadline: float
    cameras: int
    remaining: set[int] = field(default_factory=set, repr=False)
    completed_at: float | None = None


@dataclass
class PlanFigures:
    """Aggregates only: these are safe to show; visit times are not."""

    looks_started: int = 0
    looks_forced: int = 0
    looks_with_deadline: int = 0
    looks_late: int = 0
    worst_gap_ratio: float = 0.0
    random_looks_wanted: int = 0
    random_looks_thinned: int = 0
    random_looks_dropped: int = 0
    follow_ups: int = 0
    follow_ups_late: int = 0
    on_demand_requests: int = 0
    on_demand_late: int = 0

    @property
    def coverage(self) -> float:
        """Share of looks that came within their maximum gap."""
        if not self.looks_with_deadline:
            return 1.0
        return 1.0 - self.looks_late / self.looks_with_deadline

    @property
    def random_looks_shed(self) -> int:
        return self.random_looks_thinned + self.random_looks_dropped


@dataclass(frozen=True)
class Admission:
    """Share of random arrivals accepted by class, and the load behind it, in workers."""

    key: float = 1.0
    other: float = 1.0
    demand_workers: float = 0.0
    forced_workers: float = 0.0


@dataclass(slots=True, eq=False)
class _Camera:
    index: int
    pace: CameraPace
    calendar: CameraCalendar
    key_role: bool
    last_start: float
    busy: bool = False
    version: int = 0
    next_random_at: float = INF
    random_redraw: bool = False  # next_random_at is the calendar horizon, not an arrival
    random_key: bool = False
    random_since: float | None = None  # an accepted random arrival waiting for a worker
    deadline: float = INF
    deadline_gap_s: float = 0.0
    deadline_key: bool = False
    deadline_horizon: float = INF
    guard_share: float = 0.0
    guard_at: float = INF
    follow_up_at: float | None = None
    follow_up_by: float = INF
    on_demand: list[OnDemandTicket] = field(default_factory=list)  # requests waiting for a look
    running_priority: Priority = Priority.RANDOM
    running_tickets: list[OnDemandTicket] = field(default_factory=list)
    removed: bool = False  # left the plan; a look still running is let finish
    pending_pace: CameraPace | None = None  # a new pace, taken when the running look ends


class VisitPlan:
    def __init__(
        self,
        cameras: Sequence[CameraPace],
        calendar: SchoolCalendar,
        *,
        now: float,
        workers: int,
        max_per_school: int,
        rng: random.Random | None = None,
        reinspection_rate_factor: float = 3.0,
        costs: LookCosts | None = None,
        keep_admission_history: bool = False,
        slots: StreamSlots | None = None,
        last_looked: Mapping[str, float] | None = None,
    ) -> None:
        self._rng = rng or secrets.SystemRandom()
        self._calendar = calendar
        self._workers = workers
        # Shared with whatever else opens streams (the officers' snapshots), when given.
        self._slots = slots or StreamSlots(max_per_school)
        self._reinspection_factor = reinspection_rate_factor
        self.costs = costs or LookCosts()
        self.figures = PlanFigures()
        self._forced_load = MeasuredLoad()
        self._running = 0
        self._seq = itertools.count()
        self._timeline: list[tuple[float, int, int, int]] = []  # time, seq, camera, version
        self._ready: list[tuple[int, float, int, int, int]] = []  # priority, deadline, seq, camera, version
        self._school_waiting: dict[str, list[tuple[int, float, int, int, int]]] = {}
        self._reinspected: frozenset[str] = frozenset()
        # Cameras that share a calendar, role and rate factor, counted for the demand estimate.
        self._groups: dict[tuple[CameraCalendar, CameraRole, float], int] | None = None
        self._tickets = itertools.count(1)
        self._admission = Admission()
        self._admission_due = -INF
        self.admission_history: list[tuple[float, float, float]] | None = (
            [] if keep_admission_history else None
        )
        self._cameras: list[_Camera] = []
        self._by_id: dict[str, _Camera] = {}
        self._by_school: dict[str, list[_Camera]] = {}
        for pace in cameras:
            self.add_camera(pace, now, last_looked=(last_looked or {}).get(pace.camera_id))

    # Reading -------------------------------------------------------------------------------

    @property
    def running(self) -> int:
        return self._running

    @property
    def workers(self) -> int:
        return self._workers

    @property
    def admission(self) -> Admission:
        return self._admission

    def school_ids(self) -> set[str]:
        return set(self._by_school)

    def cameras_of(self, school_id: str) -> list[str]:
        return [camera.pace.camera_id for camera in self._by_school.get(school_id, ())]

    def has_camera(self, camera_id: str) -> bool:
        camera = self._by_id.get(camera_id)
        return camera is not None and not camera.removed

    # The cameras planned ------------------------------------------------------------------

    def add_camera(self, pace: CameraPace, now: float, *, last_looked: float | None = None) -> None:
        """Plan a camera from now. One never looked at counts as just looked at, so its first
        look comes within its maximum gap like any camera's at start; one looked at before (a
        planner that restarts) keeps its gap clock."""
        if self.has_camera(pace.camera_id):
            raise ValueError(f"camera {pace.camera_id} is already planned")
        busy = self._by_id.get(pace.camera_id)
        if busy is not None:
            # Removed while its look runs, and back already: that look counts as its last.
            busy.removed = False
            self._by_school.setdefault(busy.pace.school_id, []).append(busy)
            busy.pending_pace = pace
            return
        camera = _Camera(
            len(self._cameras),
            pace,
            self._calendar.camera(pace.timetable, pace.role, pace.gap_cap_s),
            pace.role in KEY_ROLES,
            last_start=min(now, now if last_looked is None else last_looked),
        )
        self._cameras.append(camera)
        self._by_id[pace.camera_id] = camera
        self._by_school.setdefault(pace.school_id, []).append(camera)
        self._groups = None
        self._new_gap(camera, now)
        self._refresh(camera, now)

    def update_camera(self, pace: CameraPace, now: float) -> None:
        """A planned camera's school, role, timetable or own gap changed: its gap clock is kept,
        its next random look and its deadline follow the new pace (a Poisson process may be
        re-drawn at any time). A camera being looked at takes it when the look ends."""
        camera = self._by_id[pace.camera_id]
        if camera.busy:
            camera.pending_pace = pace
            return
        self._set_pace(camera, pace, now)

    def remove_camera(self, camera_id: str, now: float) -> list[OnDemandTicket]:
        """The camera leaves the plan; a look at it that is running ends as usual. Returns the
        on-demand requests that were waiting only for this camera, now complete."""
        camera = self._by_id.get(camera_id)
        if camera is None or camera.removed:
            return []
        camera.removed = True
        camera.pending_pace = None
        camera.version += 1  # every queued entry of the camera goes stale
        self._leave_school(camera)
        self._groups = None
        completed = []
        for ticket in camera.on_demand:
            ticket.remaining.discard(camera.index)
            if self._complete_if_done(ticket, now):
                completed.append(ticket)
        camera.on_demand = []
        camera.follow_up_at, camera.follow_up_by = None, INF
        if not camera.busy:
            del self._by_id[camera_id]
        return completed

    # Requests ------------------------------------------------------------------------------

    def gap_in_force(self, now: float) -> tuple[float, float] | None:
        """The largest maximum gap of the windows open now, and when the oldest of them opened;
        None when no camera's window is open (no look is owed)."""
        gaps = []
        for camera in self._by_id.values():
            if camera.removed:
                continue
            segment, _ = camera.calendar.segment_at(now)
            if segment is not None:
                gaps.append((segment.max_gap_s, segment.start))
        if not gaps:
            return None
        return max(gap for gap, _ in gaps), min(start for _, start in gaps)

    def request_follow_up(self, camera_id: str, now: float, after_s: float) -> None:
        """A confirming look at a random time from `after_s` to 1.25 × `after_s` from now, never earlier.

        The time is drawn in the first four fifths of that span; the rest absorbs queueing.
        """
        camera = self._by_id.get(camera_id)
        if camera is None or camera.removed:
            return  # the camera left the plan while it was being looked at
        at = now + after_s * (1.0 + FOLLOW_UP_SPREAD * self._rng.random())
        if camera.follow_up_at is None or at < camera.follow_up_at:
            camera.follow_up_at = at
            camera.follow_up_by = now + (1.0 + FOLLOW_UP_SLACK) * after_s
            self.figures.follow_ups += 1
            self._refresh(camera, now)

    def request_on_demand(self, school_id: str, now: float, within_s: float) -> OnDemandTicket:
        """Every camera of the school gets a look started after now, finished by now + `within_s`."""
        cameras = self._by_school.get(school_id)
        if not cameras:
            raise KeyError(school_id)
        ticket = OnDemandTicket(
            next(self._tickets), school_id, now, now + within_s, len(cameras), {c.index for c in cameras}
        )
        self.figures.on_demand_requests += 1
        for camera in cameras:
            # A request still waiting from earlier is served by the same look.
            camera.on_demand.append(ticket)
            self._refresh(camera, now)
        return ticket

    def set_reinspection(self, school_ids: Iterable[str], now: float) -> None:
        """Schools with open hazards get random looks `reinspection_rate_factor` times as often."""
        wanted = frozenset(school_ids) & frozenset(self._by_school)
        changed = wanted ^ self._reinspected
        if not changed:
            return
        self._reinspected = wanted
        self._groups = None
        for school_id in changed:
            for camera in self._by_school[school_id]:
                # Memoryless: the pending draw can be replaced by one at the new rate.
                if not camera.busy and camera.random_since is None:
                    self._draw_random(camera, now)
                    self._refresh(camera, now)
        self._admission_due = -INF

    @property
    def reinspected(self) -> frozenset[str]:
        return self._reinspected

    # Dispatch ------------------------------------------------------------------------------

    def due(self, now: float) -> list[Visit]:
        """Visits to start now, most urgent first, within worker, school and camera limits."""
        if now >= self._admission_due:
            self._update_admission(now)
        timeline = self._timeline
        while timeline and timeline[0][0] <= now:
            _, _, index, version = heapq.heappop(timeline)
            camera = self._cameras[index]
            if camera.version == version:
                self._wake(camera, now)
        # A school that was full may have room again without a look of ours finishing
        # (a snapshot ended): its waiting visits go back in line.
        for school in [s for s in self._school_waiting if self._slots.has_room(s)]:
            for entry in self._school_waiting.pop(school):
                heapq.heappush(self._ready, entry)
        visits: list[Visit] = []
        ready = self._ready
        while ready and self._running < self._workers:
            entry = heapq.heappop(ready)
            priority, _, _, index, version = entry
            camera = self._cameras[index]
            if camera.version != version or camera.busy:
                continue
            school = camera.pace.school_id
            if not self._slots.try_take(camera.pace.camera_id, school):
                self._school_waiting.setdefault(school, []).append(entry)
                continue
            if priority >= Priority.KEY_RANDOM and self._random_too_late(camera, now):
                self._slots.release(camera.pace.camera_id, school)
                self.figures.random_looks_dropped += 1
                camera.random_since = None
                self._draw_random(camera, now)
                self._refresh(camera, now)
                continue
            visits.append(self._start(camera, now))
        return visits

    def finished(
        self, camera_id: str, now: float, *, duration_s: float | None = None, failed: bool = False
    ) -> list[OnDemandTicket]:
        """A look ended; returns the on-demand requests it completed."""
        camera = self._by_id.get(camera_id)
        if camera is None or not camera.busy:
            return []
        camera.busy = False
        self._running -= 1
        school = camera.pace.school_id
        self._slots.release(camera_id, school)
        took = now - camera.last_start if duration_s is None else duration_s
        self.costs.observe(camera.pace.role, took, failed=failed)
        if camera.running_priority <= Priority.GUARANTEE:
            self._forced_load.add(now, took)
        completed = []
        for ticket in camera.running_tickets:
            ticket.remaining.discard(camera.index)
            if self._complete_if_done(ticket, now):
                completed.append(ticket)
        camera.running_tickets = []
        if camera.removed:
            del self._by_id[camera_id]
        elif camera.pending_pace is not None:
            self._set_pace(camera, camera.pending_pace, now)
        else:
            self._refresh(camera, now)
        for entry in self._school_waiting.pop(school, ()):
            heapq.heappush(self._ready, entry)
        return completed

    def next_wake(self, now: float) -> float:
        """When the next visit may fall due, after a call to `due(now)`.

        Visits already due that could not start wait for capacity, which only a finishing look
        frees: callers wake on `finished` for those.
        """
        timeline = self._timeline
        while timeline and self._cameras[timeline[0][2]].version != timeline[0][3]:
            heapq.heappop(timeline)
        wake = timeline[0][0] if timeline else now + 60.0
        return min(max(wake, now), now + 60.0, max(self._admission_due, now))

    # Internals -----------------------------------------------------------------------------

    def _set_pace(self, camera: _Camera, pace: CameraPace, now: float) -> None:
        camera.pending_pace = None
        if pace.school_id != camera.pace.school_id:
            self._leave_school(camera)
            self._by_school.setdefault(pace.school_id, []).append(camera)
        camera.pace = pace
        camera.calendar = self._calendar.camera(pace.timetable, pace.role, pace.gap_cap_s)
        camera.key_role = pace.role in KEY_ROLES
        self._groups = None
        if camera.random_since is None:
            self._draw_random(camera, now)
        self._set_deadline(camera, now)
        self._refresh(camera, now)

    def _leave_school(self, camera: _Camera) -> None:
        school = camera.pace.school_id
        cameras = self._by_school.get(school, [])
        if camera in cameras:
            cameras.remove(camera)
        if not cameras:
            self._by_school.pop(school, None)
            self._school_waiting.pop(school, None)

    def _new_gap(self, camera: _Camera, now: float) -> None:
        camera.guard_share = self._rng.random()
        self._draw_random(camera, now)
        self._set_deadline(camera, now)

    def _draw_random(self, camera: _Camera, now: float) -> None:
        """The next arrival of the camera's Poisson process: an Exp(1) draw on the integrated rate."""
        factor = self._reinspection_factor if camera.pace.school_id in self._reinspected else 1.0
        remaining = self._rng.expovariate(1.0)
        for segment in camera.calendar.segments(now, now + HORIZON_S):
            begin = max(segment.start, now)
            rate = segment.rate * factor
            mass = rate * (segment.end - begin)
            if remaining <= mass:
                camera.next_random_at = begin + remaining / rate
                camera.random_key = segment.key
                camera.random_redraw = False
                return
            remaining -= mass
        camera.next_random_at = now + HORIZON_S
        camera.random_key = False
        camera.random_redraw = True

    def _set_deadline(self, camera: _Camera, now: float) -> None:
        horizon = now + HORIZON_S
        deadline, segment = camera.calendar.deadline(camera.last_start, now, horizon)
        camera.deadline_horizon = horizon
        if segment is None:
            camera.deadline, camera.deadline_gap_s, camera.deadline_key, camera.guard_at = (
                INF,
                0.0,
                False,
                INF,
            )
            return
        gap = segment.max_gap_s
        camera.deadline = deadline
        camera.deadline_gap_s = gap
        camera.deadline_key = segment.key
        earliest = deadline - GUARD_EARLIEST * gap
        latest = deadline - DISPATCH_MARGIN * gap
        camera.guard_at = earliest + camera.guard_share * (latest - earliest)

    def _request(self, camera: _Camera, now: float) -> tuple[Priority, float] | None:
        """The most urgent thing the camera is due for now, if anything."""
        best: tuple[Priority, float] | None = None
        if camera.on_demand:
            best = (Priority.URGENT, min(ticket.deadline for ticket in camera.on_demand))
        if camera.follow_up_at is not None and camera.follow_up_at <= now:
            candidate = (Priority.URGENT, camera.follow_up_by)
            best = candidate if best is None else min(best, candidate)
        if camera.guard_at <= now:
            candidate = (Priority.URGENT if camera.deadline_key else Priority.GUARANTEE, camera.deadline)
            best = candidate if best is None else min(best, candidate)
        if camera.random_since is not None:
            candidate = (Priority.KEY_RANDOM if camera.random_key else Priority.RANDOM, camera.deadline)
            best = candidate if best is None else min(best, candidate)
        return best

    def _next_trigger(self, camera: _Camera, now: float) -> float:
        """The next moment the camera's request may appear or grow more urgent."""
        times = [INF]
        if camera.random_since is None:
            times.append(camera.next_random_at)
        if camera.guard_at > now:
            times.append(camera.guard_at)
        if camera.follow_up_at is not None and camera.follow_up_at > now:
            times.append(camera.follow_up_at)
        if camera.deadline == INF:
            times.append(camera.deadline_horizon)
        return min(times)

    def _refresh(self, camera: _Camera, now: float) -> None:
        """Re-file the camera in the queues after any change; older entries become stale."""
        camera.version += 1
        if camera.busy:
            return  # `finished` re-files it
        request = self._request(camera, now)
        if request is not None:
            priority, deadline = request
            heapq.heappush(self._ready, (priority, deadline, next(self._seq), camera.index, camera.version))
        trigger = self._next_trigger(camera, now)
        if trigger < INF:
            heapq.heappush(self._timeline, (max(trigger, now), next(self._seq), camera.index, camera.version))

    def _wake(self, camera: _Camera, now: float) -> None:
        if camera.busy:
            return
        if camera.random_since is None and camera.next_random_at <= now:
            if camera.random_redraw:
                self._draw_random(camera, now)
            else:
                self.figures.random_looks_wanted += 1
                share = self._admission.key if camera.random_key else self._admission.other
                # Thinning: each arrival is kept with the admitted share, so what remains is still
                # a Poisson process, at the rate the workers can serve.
                if share >= 1.0 or self._rng.random() < share:
                    camera.random_since = now
                else:
                    self.figures.random_looks_thinned += 1
                    self._draw_random(camera, now)
        if camera.deadline == INF and now >= camera.deadline_horizon:
            self._set_deadline(camera, now)
        self._refresh(camera, now)

    def _random_too_late(self, camera: _Camera, now: float) -> bool:
        if camera.random_since is None:
            return False
        patience = RANDOM_PATIENCE * camera.deadline_gap_s if camera.deadline < INF else 60.0
        return now - camera.random_since > patience

    def _start(self, camera: _Camera, now: float) -> Visit:
        request = self._request(camera, now)
        assert request is not None
        priority = request[0]
        follow_up = camera.follow_up_at is not None and camera.follow_up_at <= now
        forced = (
            camera.guard_at <= now and camera.random_since is None and not camera.on_demand and not follow_up
        )
        if follow_up:
            kind = LookKind.FOLLOW_UP
            if now > camera.follow_up_by:
                self.figures.follow_ups_late += 1
            camera.follow_up_at, camera.follow_up_by = None, INF
        elif camera.on_demand:
            kind = LookKind.ON_DEMAND
        else:
            kind = LookKind.RANDOM
        figures = self.figures
        figures.looks_started += 1
        figures.looks_forced += forced
        if camera.deadline < INF:
            origin = camera.deadline - camera.deadline_gap_s
            if now >= origin:
                figures.looks_with_deadline += 1
                figures.looks_late += now > camera.deadline
                ratio = (now - origin) / camera.deadline_gap_s
                figures.worst_gap_ratio = max(figures.worst_gap_ratio, ratio)
        camera.running_tickets, camera.on_demand = camera.on_demand, []
        camera.running_priority = priority
        camera.random_since = None
        camera.busy = True
        camera.version += 1
        self._running += 1
        school = camera.pace.school_id
        camera.last_start = now
        self._new_gap(camera, now)
        return Visit(camera.pace.camera_id, school, kind, now, priority, forced)

    def _complete_if_done(self, ticket: OnDemandTicket, now: float) -> bool:
        if ticket.remaining or ticket.completed_at is not None:
            return False
        ticket.completed_at = now
        self.figures.on_demand_late += now > ticket.deadline
        return True

    def _update_admission(self, now: float) -> None:
        """How many random arrivals the workers can take, from the learned look costs."""
        demand = self._random_demand(now)
        forced = self._forced_load.at_time(now)
        spare = max(TARGET_UTILISATION * self._workers - forced, 0.0)
        key = min(1.0, spare / demand[True]) if demand[True] > 0 else 1.0
        left = max(spare - key * demand[True], 0.0)
        other = min(1.0, left / demand[False]) if demand[False] > 0 else 1.0
        self._admission = Admission(key, other, demand[True] + demand[False] + forced, forced)
        self._admission_due = now + ADMISSION_INTERVAL_S
        history = self.admission_history
        if history is not None and (
            not history or abs(history[-1][1] - key) > 1e-3 or abs(history[-1][2] - other) > 1e-3
        ):
            history.append((now, key, other))

    def _random_demand(self, now: float) -> dict[bool, float]:
        """Workers the random looks of all cameras would need now, by key class."""
        if self._groups is None:
            groups: dict[tuple[CameraCalendar, CameraRole, float], int] = {}
            for camera in self._by_id.values():
                if camera.removed:
                    continue
                factor = self._reinspection_factor if camera.pace.school_id in self._reinspected else 1.0
                key = (camera.calendar, camera.pace.role, factor)
                groups[key] = groups.get(key, 0) + 1
            self._groups = groups
        demand = {True: 0.0, False: 0.0}
        for (calendar, role, factor), count in self._groups.items():
            segment, _ = calendar.segment_at(now)
            if segment is not None:
                demand[segment.key] += count * segment.rate * factor * self.costs.expected_s(role)
        return demand
