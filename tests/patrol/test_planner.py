"""The visit plan over a simulated day in virtual time: complete, never overlapping, irregular."""

from __future__ import annotations

import heapq
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

from patrol.planner import DISPATCH_MARGIN, CameraPace, VisitPlan, draw_gap
from patrol.types import LookKind

DAY_S = 24 * 3600.0


@dataclass
class DayLog:
    starts: dict[str, list[float]]
    spans: dict[str, list[tuple[float, float]]]
    peak_school: dict[str, int]
    peak_running: int


def simulate_day(
    cameras: list[CameraPace], *, workers: int, max_per_school: int, seed: int, follow_up_share: float = 0.0
) -> DayLog:
    rng = random.Random(seed)
    durations = random.Random(seed + 1)
    plan = VisitPlan(cameras, now=0.0, workers=workers, max_per_school=max_per_school, rng=rng)
    school_of = {c.camera_id: c.school_id for c in cameras}
    finishing: list[tuple[float, str]] = []
    log = DayLog(defaultdict(list), defaultdict(list), defaultdict(int), 0)
    running_per_school: dict[str, int] = defaultdict(int)
    now = 0.0
    while now < DAY_S:
        for visit in plan.due(now):
            took = durations.uniform(2.0, 15.0)
            heapq.heappush(finishing, (now + took, visit.camera_id))
            log.starts[visit.camera_id].append(now)
            log.spans[visit.camera_id].append((now, now + took))
            running_per_school[visit.school_id] += 1
            log.peak_school[visit.school_id] = max(
                log.peak_school[visit.school_id], running_per_school[visit.school_id]
            )
        log.peak_running = max(log.peak_running, plan.running)
        next_finish = finishing[0][0] if finishing else DAY_S
        now = min(next_finish, plan.next_wake(now), DAY_S)
        while finishing and finishing[0][0] <= now:
            _, camera_id = heapq.heappop(finishing)
            plan.finished(camera_id, now)
            running_per_school[school_of[camera_id]] -= 1
            if durations.random() < follow_up_share:
                plan.request_follow_up(camera_id, now + durations.uniform(60, 300))
    return log


def _county(schools: int, per_school: int, max_gap_s: float = 1800.0) -> list[CameraPace]:
    return [
        CameraPace(f"s{s}-c{c}", f"s{s}", max_gap_s, max_gap_s * 0.4)
        for s in range(schools)
        for c in range(per_school)
    ]


@pytest.fixture(scope="module")
def day() -> DayLog:
    return simulate_day(_county(20, 6), workers=6, max_per_school=2, seed=20261128, follow_up_share=0.05)


def test_no_camera_waits_longer_than_its_maximum_gap(day: DayLog) -> None:
    assert len(day.starts) == 120
    for camera_id, starts in day.starts.items():
        gaps = np.diff([0.0, *starts, DAY_S])
        assert gaps.max() <= 1800.0, camera_id


def test_looks_at_one_camera_never_overlap(day: DayLog) -> None:
    for camera_id, spans in day.spans.items():
        for (_, end), (next_start, _) in itertools.pairwise(spans):
            assert next_start >= end, camera_id


def test_capacity_limits_hold(day: DayLog) -> None:
    assert day.peak_running <= 6
    assert max(day.peak_school.values()) <= 2


def test_gaps_are_not_regular(day: DayLog) -> None:
    gaps = np.concatenate([np.diff(starts) for starts in day.starts.values()])
    variation = gaps.std() / gaps.mean()
    # A fixed-period schedule has variation near 0; an exponential one near 1.
    assert variation > 0.5
    # Neighbouring gaps of a camera are uncorrelated: one gap says nothing about the next.
    pairs = np.concatenate([np.stack([np.diff(s)[:-1], np.diff(s)[1:]], 1) for s in day.starts.values()])
    assert abs(stats.pearsonr(pairs[:, 0], pairs[:, 1]).statistic) < 0.1


def test_gap_draws_follow_the_truncated_exponential_model() -> None:
    rng = random.Random(7)
    mean, cap = 720.0, 1800.0 * (1 - DISPATCH_MARGIN)
    draws = np.asarray([draw_gap(rng, mean, cap) for _ in range(5000)])
    tail = 1 - np.exp(-cap / mean)

    def model_cdf(x: np.ndarray) -> np.ndarray:
        return (1 - np.exp(-np.clip(x, 0, cap) / mean)) / tail

    assert draws.max() <= cap
    assert stats.kstest(draws, model_cdf).pvalue > 0.01


def test_follow_up_and_on_demand_looks_come_first() -> None:
    cameras = _county(1, 2)
    plan = VisitPlan(cameras, now=0.0, workers=1, max_per_school=1, rng=random.Random(1))
    plan.request_follow_up("s0-c1", at=5.0)
    assert plan.due(4.0) == []
    [visit] = plan.due(5.0)
    assert (visit.camera_id, visit.kind) == ("s0-c1", LookKind.FOLLOW_UP)
    plan.finished("s0-c1", 6.0)
    plan.request_on_demand("s0-c0")
    [visit] = plan.due(6.0)
    assert (visit.camera_id, visit.kind) == ("s0-c0", LookKind.ON_DEMAND)
