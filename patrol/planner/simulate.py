"""A simulated county patrolled by the real planner in virtual time: no sleeping, no threads.

`patrol plan simulate` runs this: a pool of N simulated workers takes the planner's visits, each
look lasting what a look at a camera of that role takes, and the run is judged afterwards from
the visit log alone: gaps against each open window's maximum, concurrency, utilisation, the
shortfall, and how well the visit times fit the random model (docs/planner.md).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from patrol.planner.calendar import CameraCalendar, SchoolCalendar
from patrol.planner.detector_pool import DetectorPool
from patrol.planner.plan import DISPATCH_MARGIN, GUARD_EARLIEST, HORIZON_S, CameraPace, Priority, VisitPlan
from patrol.planner.statistics import ks_two_sample, ks_uniform, pearson, rayleigh_pvalue
from patrol.types import CameraRole, LookKind

# Gaps equal to the maximum are allowed; float noise is not a miss.
_TOLERANCE_S = 1e-6


@dataclass(frozen=True)
class LookModel:
    """How long simulated looks take. A snapshot-only look opens the stream and detects on one
    keyframe; a clip look also reads and tracks a 10 s clip; a failed look waits out the timeout."""

    snapshot_s: tuple[float, float] = (1.0, 3.0)
    clip_s: tuple[float, float] = (11.0, 16.0)
    clip_share: Mapping[CameraRole, float] = field(
        default_factory=lambda: {
            CameraRole.BOOTH: 0.0,
            CameraRole.GATE_INSIDE: 0.5,
            CameraRole.GATE_OUTSIDE: 0.5,
            CameraRole.YARD: 0.1,
        }
    )
    failure_share: float = 0.03
    timeout_s: float = 8.0
    # Suspicious first looks ask for a confirming look after 120 to 300 s.
    follow_up_share: Mapping[CameraRole, float] = field(
        default_factory=lambda: {CameraRole.BOOTH: 0.02, CameraRole.GATE_OUTSIDE: 0.02}
    )
    follow_up_after_s: tuple[float, float] = (120.0, 300.0)
    # With a detector pool the detection is simulated apart: the stream alone takes these (open to
    # first keyframe; open, keyframe and a 10 s clip), and brings these pictures to detect.
    snapshot_stream_s: tuple[float, float] = (0.3, 2.0)
    clip_stream_s: tuple[float, float] = (10.3, 12.0)
    clip_frames: int = 31  # the snapshot and 10 s at 3 frames a second

    def draw(self, rng: random.Random, role: CameraRole) -> tuple[float, bool]:
        if rng.random() < self.failure_share:
            return self.timeout_s, True
        low, high = self.clip_s if rng.random() < self.clip_share.get(role, 0.0) else self.snapshot_s
        return rng.uniform(low, high), False

    def draw_stream(self, rng: random.Random, role: CameraRole) -> tuple[float, int, bool]:
        """A look's stream time and the pictures it brings; a failed look brings none."""
        if rng.random() < self.failure_share:
            return self.timeout_s, 0, True
        if rng.random() < self.clip_share.get(role, 0.0):
            return rng.uniform(*self.clip_stream_s), self.clip_frames, False
        return rng.uniform(*self.snapshot_stream_s), 1, False


class _FixedLooks:
    """Looks that take the time drawn for them, whatever else runs."""

    def __init__(self) -> None:
        self._finishing: list[tuple[float, int, float]] = []
        self._keys = itertools.count()

    def start(self, now: float, took: float) -> int:
        key = next(self._keys)
        heapq.heappush(self._finishing, (now + took, key, took))
        return key

    def next_event(self) -> float:
        return self._finishing[0][0] if self._finishing else math.inf

    def finished_by(self, now: float) -> list[tuple[int, float, float]]:
        ended = []
        while self._finishing and self._finishing[0][0] <= now:
            finished_at, key, took = heapq.heappop(self._finishing)
            ended.append((key, finished_at, took))
        return ended


def build_county(schools: int, cameras: int, *, rng: random.Random, timetable: str) -> list[CameraPace]:
    """Schools of varied size; each has a booth and a gate camera, most other cameras watch the yard."""
    if schools < 1 or cameras < 2 * schools:
        raise ValueError("a simulated county needs at least one school and two cameras per school")
    weights = [rng.uniform(0.5, 1.5) for _ in range(schools)]
    spare = cameras - 2 * schools
    sizes = [2 + int(spare * weight / sum(weights)) for weight in weights]
    for index in rng.sample(range(schools), cameras - sum(sizes)):
        sizes[index] += 1
    roles = [CameraRole.BOOTH, CameraRole.GATE_INSIDE, CameraRole.GATE_OUTSIDE, CameraRole.YARD]
    paces = []
    for school, size in enumerate(sizes):
        school_id = f"school-{school + 1:03d}"
        chosen = [CameraRole.BOOTH, CameraRole.GATE_INSIDE]
        if size > 2:
            chosen.append(CameraRole.GATE_OUTSIDE)
        chosen += rng.choices(roles, weights=[4, 8, 8, 80], k=size - len(chosen))
        paces += [
            CameraPace(f"{school_id}-cam-{number + 1:02d}", school_id, role, timetable)
            for number, role in enumerate(chosen)
        ]
    return paces


@dataclass
class _Log:
    starts: dict[str, list[float]]
    kinds: dict[str, list[LookKind]]
    forced: int = 0
    busy_s: float = 0.0
    peak_running: int = 0
    peak_school: int = 0
    max_per_camera: int = 0
    follow_ups_requested: int = 0
    follow_ups_early: int = 0
    follow_ups_late: int = 0
    peak_demand_workers: float = 0.0
    min_admission_key: float = 1.0
    min_admission_other: float = 1.0


def simulate(
    paces: Sequence[CameraPace],
    calendar: SchoolCalendar,
    *,
    capacity: int,
    max_per_school: int,
    start: float,
    hours: float,
    seed: int | None = None,
    model: LookModel | None = None,
    sample_cameras: int = 800,
    detectors: DetectorPool | None = None,
) -> dict[str, Any]:
    """Run the real planner over a simulated county; returns the figures `plan simulate` prints.

    With `detectors`, each look's detection runs on the pool's machines, so looks stretch when a
    machine's detector is overloaded; without, looks take the fixed times of `model`."""
    model = model or LookModel()
    seed = random.SystemRandom().randrange(2**32) if seed is None else seed
    clock_started = time.perf_counter()
    end = start + hours * 3600.0
    plan = VisitPlan(
        paces,
        calendar,
        now=start,
        workers=capacity,
        max_per_school=max_per_school,
        rng=random.Random(seed),
        keep_admission_history=True,
    )
    workers = random.Random(seed + 1)
    role_of = {pace.camera_id: pace.role for pace in paces}
    school_of = {pace.camera_id: pace.school_id for pace in paces}
    log = _Log({pace.camera_id: [] for pace in paces}, {pace.camera_id: [] for pace in paces})
    follow_up_window: dict[str, tuple[float, float]] = {}
    fixed = _FixedLooks()
    running: dict[int, tuple[str, bool, float, float]] = {}  # key -> camera, failed, started, clip stream
    stretch: list[float] = []  # a clip look's duration over its stream time, with a detector pool
    busy_until: dict[str, float] = {}
    running_per_school: dict[str, int] = {}
    now = start
    while now < end:
        for visit in plan.due(now):
            camera_id = visit.camera_id
            if detectors is None:
                took, failed = model.draw(workers, role_of[camera_id])
                key = fixed.start(now, took)
                frames = 0
            else:
                took, frames, failed = model.draw_stream(workers, role_of[camera_id])
                key = detectors.start(now, stream_s=took, frames=frames)
            running[key] = (camera_id, failed, now, took if frames > 1 else 0.0)
            if busy_until.get(camera_id, -math.inf) > now:
                log.max_per_camera = max(log.max_per_camera, 2)
            busy_until[camera_id] = now + took
            log.max_per_camera = max(log.max_per_camera, 1)
            log.starts[camera_id].append(now)
            log.kinds[camera_id].append(visit.kind)
            log.forced += visit.forced
            school = visit.school_id
            running_per_school[school] = running_per_school.get(school, 0) + 1
            log.peak_school = max(log.peak_school, running_per_school[school])
            if visit.kind is LookKind.FOLLOW_UP:
                earliest, latest = follow_up_window.pop(camera_id)
                log.follow_ups_early += now < earliest - _TOLERANCE_S
                log.follow_ups_late += now > latest + _TOLERANCE_S
        log.peak_running = max(log.peak_running, len(running))
        admission = plan.admission
        log.peak_demand_workers = max(log.peak_demand_workers, admission.demand_workers)
        log.min_admission_key = min(log.min_admission_key, admission.key)
        log.min_admission_other = min(log.min_admission_other, admission.other)
        runner = fixed if detectors is None else detectors
        now = min(runner.next_event(), plan.next_wake(now), end)
        for key, finished_at, took in runner.finished_by(now):
            camera_id, failed, _, clip_stream_s = running.pop(key)
            busy_until[camera_id] = finished_at
            log.busy_s += took
            if clip_stream_s:
                stretch.append(took / clip_stream_s)
            plan.finished(camera_id, finished_at, duration_s=took, failed=failed)
            running_per_school[school_of[camera_id]] -= 1
            role = role_of[camera_id]
            if (
                not failed
                and camera_id not in follow_up_window
                and workers.random() < model.follow_up_share.get(role, 0.0)
            ):
                after = workers.uniform(*model.follow_up_after_s)
                plan.request_follow_up(camera_id, finished_at, after)
                follow_up_window[camera_id] = (finished_at + after, finished_at + 1.25 * after)
                log.follow_ups_requested += 1
    log.busy_s += sum(end - started for _, _, started, _ in running.values())
    planned_s = time.perf_counter() - clock_started

    coverage = _coverage(paces, calendar, log, start, end)
    unpredictability = _unpredictability(
        paces, calendar, log, plan.admission_history or [], start, random.Random(seed + 2), sample_cameras
    )
    figures = plan.figures
    wanted = figures.random_looks_wanted
    shed = figures.random_looks_shed
    looks = sum(len(starts) for starts in log.starts.values())
    return {
        "seed": seed,
        "schools": len({pace.school_id for pace in paces}),
        "cameras": len(paces),
        "hours": hours,
        "capacity": capacity,
        "max_streams_per_school": max_per_school,
        "looks": looks,
        **coverage,
        "peak_school_concurrency": log.peak_school,
        "peak_concurrency": log.peak_running,
        "max_concurrent_per_camera": log.max_per_camera,
        "utilisation": round(log.busy_s / (capacity * (end - start)), 4),
        "forced_share": round(log.forced / looks, 4) if looks else 0.0,
        "shortfall": {
            "reported": shed > 0 or figures.looks_late > 0,
            "random_looks_wanted": wanted,
            "random_looks_shed": shed,
            "shed_share": round(shed / wanted, 4) if wanted else 0.0,
            "looks_late": figures.looks_late,
            "peak_demand_workers": round(log.peak_demand_workers, 2),
            "lowest_admitted_share": {
                "booth_gate_peak": round(log.min_admission_key, 4),
                "other": round(log.min_admission_other, 4),
            },
        },
        "follow_ups": {
            "requested": log.follow_ups_requested,
            "early": log.follow_ups_early,
            "late": log.follow_ups_late,
        },
        "learned_look_costs": plan.costs.summary(),
        **({} if detectors is None else {"detector": _detector_figures(detectors, stretch, end - start)}),
        "unpredictability": unpredictability,
        "wall_s": {"planning": round(planned_s, 2), "total": round(time.perf_counter() - clock_started, 2)},
    }


def _detector_figures(detectors: DetectorPool, stretch: list[float], seconds: float) -> dict[str, Any]:
    stretched = np.asarray(stretch) if stretch else np.ones(1)
    return {
        "machines": detectors.machines,
        "fps_per_machine": detectors.fps,
        "frames": detectors.frames_started,
        "utilisation": round(detectors.frames_detected / (detectors.machines * detectors.fps * seconds), 4),
        "clip_look_stretch": {
            "median": round(float(np.median(stretched)), 3),
            "p95": round(float(np.percentile(stretched, 95)), 3),
            "max": round(float(stretched.max()), 3),
        },
    }


def _coverage(
    paces: Sequence[CameraPace], calendar: SchoolCalendar, log: _Log, start: float, end: float
) -> dict[str, Any]:
    """Each camera-window (a window open for a camera) is covered when no moment in it is further
    than its maximum gap from the later of the last look and the window's opening."""
    windows = {True: 0, False: 0}
    covered = {True: 0, False: 0}
    worst = {True: 0.0, False: 0.0}
    for pace in paces:
        starts = log.starts[pace.camera_id]
        segments = calendar.camera(pace.timetable, pace.role, pace.gap_cap_s).segments(start, end)
        for segment in segments:
            first, last = max(segment.start, start), min(segment.end, end)
            inside = starts[bisect.bisect_left(starts, first) : bisect.bisect_left(starts, last)]
            points = np.asarray([first, *inside, last])
            longest = float(np.max(np.diff(points)))
            ratio = longest / segment.max_gap_s
            windows[segment.key] += 1
            covered[segment.key] += longest <= segment.max_gap_s + _TOLERANCE_S
            worst[segment.key] = max(worst[segment.key], ratio)
    total = windows[True] + windows[False]

    def share(hits: int, count: int) -> float:
        return round(hits / count, 6) if count else 1.0

    return {
        "camera_windows": total,
        "coverage": share(covered[True] + covered[False], total),
        "worst_gap_ratio": round(max(worst.values()), 4),
        "by_class": {
            "booth_gate_peak": {
                "camera_windows": windows[True],
                "coverage": share(covered[True], windows[True]),
                "worst_gap_ratio": round(worst[True], 4),
            },
            "other": {
                "camera_windows": windows[False],
                "coverage": share(covered[False], windows[False]),
                "worst_gap_ratio": round(worst[False], 4),
            },
        },
    }


class _AdmittedShare:
    """The planner's admitted share of random arrivals over time, integrated, by class."""

    def __init__(self, history: list[tuple[float, float, float]], start: float) -> None:
        points = [(start, 1.0, 1.0)] + [entry for entry in history if entry[0] > start]
        self._times = [t for t, _, _ in points]
        self._shares = {True: [k for _, k, _ in points], False: [o for _, _, o in points]}
        self._integral = {}
        for key, shares in self._shares.items():
            running, integral = 0.0, [0.0]
            for index in range(1, len(points)):
                running += shares[index - 1] * (self._times[index] - self._times[index - 1])
                integral.append(running)
            self._integral[key] = integral

    def integral(self, key: bool, at: float) -> float:
        index = max(bisect.bisect_right(self._times, at) - 1, 0)
        return self._integral[key][index] + self._shares[key][index] * (at - self._times[index])


def _gap_probability(
    camera: CameraCalendar, admitted: _AdmittedShare, last: float, at: float
) -> tuple[float, float]:
    """Where the gap from `last` to `at` falls in its model distribution (its CDF value), and the
    admitted integrated random rate over it. Model: the earlier of the thinned Poisson arrival and
    the forced look, uniform on its interval before the deadline."""
    rate_mass = 0.0
    for segment in camera.segments(last, at):
        begin, finish = max(segment.start, last), min(segment.end, at)
        rate_mass += segment.rate * (
            admitted.integral(segment.key, finish) - admitted.integral(segment.key, begin)
        )
    deadline, deadline_segment = camera.deadline(last, last, last + HORIZON_S)
    survive_forced = 1.0
    if deadline_segment is not None:
        earliest = deadline - GUARD_EARLIEST * deadline_segment.max_gap_s
        latest = deadline - DISPATCH_MARGIN * deadline_segment.max_gap_s
        survive_forced = min(max((latest - at) / (latest - earliest), 0.0), 1.0)
    return 1.0 - math.exp(-rate_mass) * survive_forced, rate_mass


def _unpredictability(
    paces: Sequence[CameraPace],
    calendar: SchoolCalendar,
    log: _Log,
    history: list[tuple[float, float, float]],
    start: float,
    rng: random.Random,
    sample_cameras: int,
) -> dict[str, Any]:
    """Probability integral transform of every gap of a sample of cameras under the model: if the
    visit times follow it, the values are uniform, independent of each other, and no phase stands out."""
    admitted = _AdmittedShare(history, start)
    chosen = rng.sample(list(paces), min(sample_cameras, len(paces)))
    values, pairs, phases = [], [], []
    for pace in chosen:
        camera = calendar.camera(pace.timetable, pace.role, pace.gap_cap_s)
        last, previous = start, None
        series = []
        rescaled = 0.0
        for at, kind in zip(log.starts[pace.camera_id], log.kinds[pace.camera_id], strict=True):
            if kind is LookKind.RANDOM:
                value, _ = _gap_probability(camera, admitted, last, at)
                value = min(value, 1.0 - 1e-12)
                values.append(value)
                if previous is not None:
                    pairs.append((previous, value))
                previous = value
                rescaled += -math.log1p(-value)
                series.append(rescaled)
            else:
                previous = None  # a requested look breaks the chain of random gaps
            last = at
        phases.append(2 * math.pi * np.asarray(series))
    sample = np.asarray(values)
    statistic, _ = ks_uniform(sample)
    # The p-value on all gaps would flag delays of a second in a day; a fixed sample keeps it
    # a test of the model's shape.
    tested = sample if len(sample) <= 2000 else np.asarray(rng.sample(values, 2000))
    _, pvalue = ks_uniform(tested)
    before = np.asarray([a for a, _ in pairs])
    after = np.asarray([b for _, b in pairs])
    # Unit exponential under the model; a forced look that queued past the end of its interval
    # has the value 1, so cap it (at ln 1000) to count it as a long gap, not an endless one.
    exponential = -np.log1p(-np.minimum(sample, 1 - 1e-3)) if len(sample) else sample
    _, conditional_p = ks_two_sample(after[before < 0.5], after[before >= 0.5]) if len(pairs) else (0, 1.0)
    return {
        "cameras_sampled": len(chosen),
        "gaps": len(sample),
        "ks_statistic": round(statistic, 4),
        "ks_pvalue": round(pvalue, 4),
        "ks_pvalue_gaps": len(tested),
        "lag1_autocorrelation": round(pearson(before, after), 4),
        "next_gap_given_previous_pvalue": round(float(conditional_p), 4),
        "periodicity": {
            "rescaled_gap_cv": round(float(np.std(exponential) / np.mean(exponential)), 4)
            if len(sample)
            else 0,
            "phase_rayleigh_pvalue": round(rayleigh_pvalue(phases), 4),
        },
    }


def fewest_machines(run: Callable[[int], dict[str, Any]], *, most: int) -> dict[str, Any]:
    """The run with the fewest worker machines, up to `most`, that sheds no look and is never late:
    doubling until one is enough, then halving the interval. More machines are taken to be never
    worse, which holds for one seed since every run draws the same looks."""
    tried: dict[int, dict[str, Any]] = {}

    def short(machines: int) -> bool:
        if machines not in tried:
            tried[machines] = run(machines)
        return bool(tried[machines]["shortfall"]["reported"])

    high = 1
    while short(high):
        if high >= most:
            return {**tried[high], "machines_needed": None, "machines_tried": sorted(tried)}
        high = min(2 * high, most)
    low = high // 2  # short, or none at all
    while high - low > 1:
        middle = (low + high) // 2
        if short(middle):
            low = middle
        else:
            high = middle
    return {**tried[high], "machines_needed": high, "machines_tried": sorted(tried)}


def render(result: dict[str, Any]) -> str:
    """The human summary of a simulation."""
    shortfall = result["shortfall"]
    key = result["by_class"]["booth_gate_peak"]
    other = result["by_class"]["other"]
    odd = result["unpredictability"]
    lines = [
        f"{result['schools']} schools, {result['cameras']} cameras, {result['hours']:g} h from {result.get('start', '?')}, "
        f"capacity {result['capacity']} looks at once ({result['max_streams_per_school']} per school); seed {result['seed']}",
        f"looks: {result['looks']}, utilisation {result['utilisation']:.1%}, forced {result['forced_share']:.1%}",
        f"coverage: {result['coverage']:.4%} of {result['camera_windows']} camera-windows, "
        f"worst gap {result['worst_gap_ratio']:.3f} × its maximum",
        f"  booth and gate in peak windows: {key['coverage']:.4%} of {key['camera_windows']}, worst {key['worst_gap_ratio']:.3f}",
        f"  other camera-windows: {other['coverage']:.4%} of {other['camera_windows']}, worst {other['worst_gap_ratio']:.3f}",
        f"concurrency: peak {result['peak_concurrency']} in all, {result['peak_school_concurrency']} at one school, "
        f"{result['max_concurrent_per_camera']} per camera",
    ]
    if shortfall["reported"]:
        lines.append(
            f"SHORTFALL: {shortfall['random_looks_shed']} of {shortfall['random_looks_wanted']} random looks shed "
            f"({shortfall['shed_share']:.1%}), {shortfall['looks_late']} looks late; "
            f"peak demand {shortfall['peak_demand_workers']:.1f} workers"
        )
    else:
        lines.append(f"no shortfall: peak demand {shortfall['peak_demand_workers']:.1f} workers")
    lines.append(
        f"unpredictability over {odd['gaps']} gaps: KS {odd['ks_statistic']:.4f} (p {odd['ks_pvalue']:.3f}), "
        f"lag-1 correlation {odd['lag1_autocorrelation']:+.4f}, "
        f"rescaled gap CV {odd['periodicity']['rescaled_gap_cv']:.3f} (1 for a memoryless process)"
    )
    if "detector" in result:
        detector = result["detector"]
        stretch = detector["clip_look_stretch"]
        lines.append(
            f"detectors: {detector['machines']} machines of {detector['fps_per_machine']:g} frames/s, "
            f"{detector['frames']} frames, utilisation {detector['utilisation']:.1%}; clip looks last "
            f"{stretch['median']:.2f}× their stream (p95 {stretch['p95']:.2f}×)"
        )
    if "machines_needed" in result:
        needed = result["machines_needed"]
        lines.append(
            f"machines needed for no shortfall: {needed}"
            if needed
            else f"no shortfall-free run up to {max(result['machines_tried'])} machines"
        )
    lines.append(f"wall time {result['wall_s']['total']:.1f} s")
    return "\n".join(lines)


__all__ = ["LookModel", "Priority", "build_county", "render", "simulate"]
