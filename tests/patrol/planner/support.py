"""Calendars and a virtual-time driver for planner tests: the real planner, simulated looks."""

from __future__ import annotations

import heapq
import itertools
import random
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from patrol.config.schema import CalendarConfig, SamplingConfig, default_calendar
from patrol.planner import CameraPace, SchoolCalendar, Visit, VisitPlan
from patrol.types import CameraRole

ZONE = ZoneInfo("Asia/Shanghai")
# 2026-03-02 is a Monday.
MONDAY = datetime(2026, 3, 2, tzinfo=ZONE).timestamp()
HOUR = 3600.0
DAY = 24 * HOUR


def calendar_of(config: Mapping[str, Any] | None = None, **sampling: Any) -> SchoolCalendar:
    """The built-in calendar, or one from a `calendar:` mapping as written in config.yaml."""
    calendar = default_calendar() if config is None else CalendarConfig.model_validate(config)
    return SchoolCalendar.from_config(calendar, SamplingConfig(**sampling), "Asia/Shanghai")


def around_the_clock(*, max_gap_s: float, looks_per_hour: float) -> dict[str, object]:
    """A calendar with one window all day, every day, the same for every camera role."""
    return {
        "default_timetable": "always",
        "timetables": {
            "always": {
                "windows": {
                    "all_day": {
                        "spans": [{"start": "00:00", "end": "24:00"}],
                        "roles": {
                            role.value: {"weight": looks_per_hour, "max_gap_s": max_gap_s}
                            for role in CameraRole
                        },
                    }
                }
            }
        },
    }


def constant_calendar(looks_per_hour: float, max_gap_s: float, **sampling: Any) -> SchoolCalendar:
    """One window open around the clock: a homogeneous Poisson process with a maximum gap."""
    return calendar_of(around_the_clock(max_gap_s=max_gap_s, looks_per_hour=looks_per_hour), **sampling)


def county(
    schools: int,
    per_school: int,
    *,
    timetable: str = "school_day",
    roles: tuple[CameraRole, ...] | None = None,
) -> list[CameraPace]:
    """Schools whose cameras cycle through the roles: booth, gate inside, gate outside, yard."""
    roles = roles or (CameraRole.BOOTH, CameraRole.GATE_INSIDE, CameraRole.GATE_OUTSIDE, CameraRole.YARD)
    return [
        CameraPace(f"s{s}-c{c}", f"s{s}", roles[c % len(roles)], timetable)
        for s in range(schools)
        for c in range(per_school)
    ]


@dataclass
class Run:
    plan: VisitPlan
    visits: dict[str, list[Visit]] = field(default_factory=lambda: defaultdict(list))
    spans: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    peak_running: int = 0
    peak_school: int = 0
    completed: list[Any] = field(default_factory=list)

    def starts(self, camera_id: str) -> list[float]:
        return [visit.started_at for visit in self.visits[camera_id]]


Duration = Callable[[Visit], float]


def drive(
    plan: VisitPlan,
    start: float,
    end: float,
    duration: Duration | float = 0.0,
    *,
    events: Mapping[float, Callable[[VisitPlan, float], None]] | None = None,
    after_look: Callable[[VisitPlan, Visit, float], None] | None = None,
    failed: Callable[[Visit], bool] = lambda _: False,
) -> Run:
    """Drive the plan in virtual time: start its visits, finish them after `duration`, and call
    `events` (time -> action) on the way, as the live patrol would."""
    took: Duration = duration if callable(duration) else (lambda _visit, fixed=float(duration): fixed)
    run = Run(plan)
    pending = dict(events or {})
    finishing: list[tuple[float, int, Visit]] = []
    sequence = itertools.count()
    per_school: dict[str, int] = defaultdict(int)
    now = start
    while now < end:
        for at in sorted(t for t in pending if t <= now):
            pending.pop(at)(plan, at)
        for visit in plan.due(now):
            length = took(visit)
            run.visits[visit.camera_id].append(visit)
            run.spans[visit.camera_id].append((now, now + length))
            heapq.heappush(finishing, (now + length, next(sequence), visit))
            per_school[visit.school_id] += 1
            run.peak_school = max(run.peak_school, per_school[visit.school_id])
        run.peak_running = max(run.peak_running, plan.running)
        candidates = [plan.next_wake(now), end, *(t for t in pending if t > now)]
        if finishing:
            candidates.append(finishing[0][0])
        now = min(candidates)
        while finishing and finishing[0][0] <= now:
            finished_at, _, visit = heapq.heappop(finishing)
            per_school[visit.school_id] -= 1
            run.completed += plan.finished(
                visit.camera_id, finished_at, duration_s=finished_at - visit.started_at, failed=failed(visit)
            )
            if after_look is not None:
                after_look(plan, visit, finished_at)
    return run


def new_plan(
    cameras: list[CameraPace],
    calendar: SchoolCalendar,
    *,
    start: float = MONDAY,
    workers: int = 1000,
    max_per_school: int = 1000,
    seed: int = 1,
    **options: Any,
) -> VisitPlan:
    return VisitPlan(
        cameras,
        calendar,
        now=start,
        workers=workers,
        max_per_school=max_per_school,
        rng=random.Random(seed),
        **options,
    )
