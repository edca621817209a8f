"""The visit times follow the documented model, and the past says nothing more about the next look.

Fixed seeds; ample workers and instant looks, so what is tested is the plan's draw, not queueing.
The model (docs/planner.md): in a window with random rate λ and maximum gap G, a gap is the
earlier of an exponential arrival at rate λ and a forced look uniform on [0.75 G, 0.9 G].
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import numpy as np
import pytest
from scipy import stats

from patrol.planner import DISPATCH_MARGIN, GUARD_EARLIEST
from patrol.types import CameraRole
from tests.patrol.planner.support import (
    DAY,
    MONDAY,
    ZONE,
    calendar_of,
    constant_calendar,
    county,
    drive,
    new_plan,
)

MAX_GAP_S = 600.0
LOOKS_PER_HOUR = 24.0  # λ·G = 4: about 5% of gaps end in a forced look
RATE = LOOKS_PER_HOUR / 3600.0


def _gaps(starts: list[float], origin: float) -> np.ndarray:
    return np.diff([origin, *starts])


@pytest.fixture(scope="module")
def constant_window() -> list[np.ndarray]:
    """Gaps per camera over two days of one window open around the clock."""
    calendar = constant_calendar(LOOKS_PER_HOUR, MAX_GAP_S)
    cameras = county(4, 15, timetable="always")
    run = drive(new_plan(cameras, calendar, seed=424242), MONDAY, MONDAY + 2 * DAY, 0.0)
    return [_gaps(run.starts(p.camera_id), MONDAY) for p in cameras]


def _model_cdf(x: np.ndarray) -> np.ndarray:
    earliest, latest = (1 - GUARD_EARLIEST) * MAX_GAP_S, (1 - DISPATCH_MARGIN) * MAX_GAP_S
    forced_not_yet = np.clip((latest - x) / (latest - earliest), 0.0, 1.0)
    return 1.0 - np.exp(-RATE * np.clip(x, 0, None)) * forced_not_yet


def test_gaps_in_a_constant_window_fit_the_model(constant_window: list[np.ndarray]) -> None:
    gaps = np.concatenate(constant_window)
    assert len(gaps) > 20_000
    assert gaps.max() <= (1 - DISPATCH_MARGIN) * MAX_GAP_S + 1e-6
    assert stats.kstest(gaps, _model_cdf).pvalue > 0.01
    # Against the bare exponential it must fail: the forced looks are really there.
    assert stats.kstest(gaps, stats.expon(scale=1 / RATE).cdf).pvalue < 1e-6


def test_the_hazard_is_flat_until_the_forced_look_can_come(constant_window: list[np.ndarray]) -> None:
    """Memoryless: having waited s seconds does not make a look any more or less due, up to 0.75 G."""
    gaps = np.concatenate(constant_window)
    edges = np.linspace(0, (1 - GUARD_EARLIEST) * MAX_GAP_S, 10)
    for low, high in itertools.pairwise(edges):
        at_risk = gaps[gaps >= low]
        events = np.count_nonzero(at_risk < high)
        exposure = np.minimum(at_risk, high).sum() - low * len(at_risk)
        assert events / exposure == pytest.approx(RATE, rel=0.12), (low, high)


def test_neighbouring_gaps_are_independent(constant_window: list[np.ndarray]) -> None:
    pairs = np.concatenate([np.stack([g[:-1], g[1:]], 1) for g in constant_window])
    assert abs(stats.spearmanr(pairs[:, 0], pairs[:, 1]).statistic) < 0.03
    # The next gap has the same distribution after a short gap as after a long one.
    median = np.median(pairs[:, 0])
    after_short, after_long = pairs[pairs[:, 0] < median, 1], pairs[pairs[:, 0] >= median, 1]
    assert stats.ks_2samp(after_short, after_long).pvalue > 0.01


def test_all_past_gaps_do_not_predict_the_next(constant_window: list[np.ndarray]) -> None:
    """Least squares on the last five gaps explains next to nothing of the next one."""
    depth = 5
    rows, targets = [], []
    for gaps in constant_window:
        for index in range(depth, len(gaps)):
            rows.append(gaps[index - depth : index])
            targets.append(gaps[index])
    design = np.column_stack([np.ones(len(rows)), np.asarray(rows)])
    target = np.asarray(targets)
    coefficients, *_ = np.linalg.lstsq(design, target, rcond=None)
    explained = 1 - np.var(target - design @ coefficients) / np.var(target)
    assert explained < 0.002


# A timetable whose rate changes over the day, with gaps so long that no look is ever forced:
# what remains is the non-homogeneous Poisson process itself.
LOCAL_RATES = [(0, 6, 2.0), (6, 9, 30.0), (9, 24, 8.0)]  # local hours from, to; looks per hour


def _local_rate_per_s(at: float) -> float:
    local = datetime.fromtimestamp(at, ZONE)
    hour = local.hour + local.minute / 60
    return next(rate for first, last, rate in LOCAL_RATES if first <= hour < last) / 3600.0


def _integrated_rate(start: float, end: float) -> float:
    """∫ rate over [start, end), stepping over the local hour boundaries."""
    total, at = 0.0, start
    while at < end:
        local = datetime.fromtimestamp(at, ZONE)
        boundaries = [datetime(local.year, local.month, local.day, hour, tzinfo=ZONE) for hour in (6, 9)] + [
            datetime(local.year, local.month, local.day, tzinfo=ZONE) + timedelta(days=1)
        ]
        following = min(b.timestamp() for b in boundaries if b.timestamp() > at)
        step_end = min(following, end)
        total += _local_rate_per_s(at) * (step_end - at)
        at = step_end
    return total


@pytest.fixture(scope="module")
def changing_rate() -> list[np.ndarray]:
    windows = {
        f"w{first}": {
            "spans": [{"start": f"{first:02d}:00", "end": f"{last:02d}:00"}],
            "roles": {"booth": {"weight": rate, "max_gap_s": 7 * 86400}},
        }
        for first, last, rate in LOCAL_RATES
    }
    calendar = calendar_of(
        {"default_timetable": "varying", "timetables": {"varying": {"windows": windows}}},
        mean_gap_fraction=1.0,
    )
    cameras = county(1, 60, timetable="varying", roles=(CameraRole.BOOTH,))
    run = drive(new_plan(cameras, calendar, seed=77), MONDAY, MONDAY + 2 * DAY, 0.0)
    rescaled = []
    for pace in cameras:
        times = [MONDAY, *run.starts(pace.camera_id)]
        rescaled.append(np.asarray([_integrated_rate(a, b) for a, b in itertools.pairwise(times)]))
    return rescaled


def test_time_rescaled_gaps_of_a_changing_rate_are_unit_exponential(changing_rate: list[np.ndarray]) -> None:
    values = np.concatenate(changing_rate)
    assert len(values) > 15_000
    assert stats.kstest(values, "expon").pvalue > 0.01
    pairs = np.concatenate([np.stack([v[:-1], v[1:]], 1) for v in changing_rate])
    assert abs(stats.spearmanr(pairs[:, 0], pairs[:, 1]).statistic) < 0.03
