"""The visit plan in virtual time: complete within every open window, within capacity, urgent first."""

from __future__ import annotations

import bisect
import itertools
import random
import secrets
from collections import Counter

import pytest

from patrol.planner import CameraPace, LookCosts, Priority, SchoolCalendar, VisitPlan
from patrol.stream_slots import StreamSlots
from patrol.types import CameraRole, LookKind
from tests.patrol.planner.support import (
    DAY,
    HOUR,
    MONDAY,
    Run,
    calendar_of,
    constant_calendar,
    county,
    drive,
    new_plan,
)

GATE_S, SNAPSHOT_S = 12.0, 2.0


def look_length(seed: int):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)

    def length(visit) -> float:  # type: ignore[no-untyped-def]
        return rng.uniform(2.0, 15.0)

    return length


def gaps_beyond_maximum(
    run: Run, cameras: list[CameraPace], calendar: SchoolCalendar, start: float, end: float
):  # type: ignore[no-untyped-def]
    """(camera, window opening, longest gap, maximum) of every camera-window whose gap ran over."""
    over = []
    for pace in cameras:
        starts = run.starts(pace.camera_id)
        for segment in calendar.camera(pace.timetable, pace.role, pace.gap_cap_s).segments(start, end):
            first, last = max(segment.start, start), min(segment.end, end)
            inside = starts[bisect.bisect_left(starts, first) : bisect.bisect_left(starts, last)]
            longest = max(b - a for a, b in itertools.pairwise([first, *inside, last]))
            if longest > segment.max_gap_s + 1e-6:
                over.append((pace.camera_id, segment.start, longest, segment.max_gap_s, segment.key))
    return over


@pytest.fixture(scope="module")
def school_day() -> tuple[Run, list[CameraPace], SchoolCalendar]:
    calendar = calendar_of()
    cameras = county(20, 6)
    follow_ups = random.Random(5)

    def maybe_follow_up(plan: VisitPlan, visit, at: float) -> None:  # type: ignore[no-untyped-def]
        if follow_ups.random() < 0.03:
            plan.request_follow_up(visit.camera_id, at, follow_ups.uniform(60, 300))

    plan = new_plan(cameras, calendar, workers=8, max_per_school=2, seed=20261128)
    run = drive(plan, MONDAY, MONDAY + DAY, look_length(7), after_look=maybe_follow_up)
    return run, cameras, calendar


def test_no_open_window_goes_longer_than_its_maximum_gap(school_day) -> None:  # type: ignore[no-untyped-def]
    run, cameras, calendar = school_day
    assert len(run.visits) == 120
    assert gaps_beyond_maximum(run, cameras, calendar, MONDAY, MONDAY + DAY) == []
    assert run.plan.figures.looks_late == 0
    assert run.plan.figures.worst_gap_ratio <= 1.0


def test_random_looks_come_only_while_a_window_is_open_for_the_camera(school_day) -> None:  # type: ignore[no-untyped-def]
    run, cameras, calendar = school_day
    for pace in cameras:
        segments = list(calendar.camera(pace.timetable, pace.role, None).segments(MONDAY, MONDAY + DAY))
        for visit in run.visits[pace.camera_id]:
            if visit.kind is LookKind.RANDOM:
                assert any(s.start <= visit.started_at < s.end for s in segments), pace
    # The built-in school day does not look at yards at night.
    night_end = MONDAY + 6.75 * HOUR
    yard_looks = [
        v
        for p in cameras
        if p.role is CameraRole.YARD
        for v in run.visits[p.camera_id]
        if v.started_at < night_end
    ]
    assert yard_looks == []


def test_looks_at_one_camera_never_overlap(school_day) -> None:  # type: ignore[no-untyped-def]
    run, _, _ = school_day
    for camera_id, spans in run.spans.items():
        for (_, end), (next_start, _) in itertools.pairwise(spans):
            assert next_start >= end, camera_id


def test_worker_and_school_limits_hold(school_day) -> None:  # type: ignore[no-untyped-def]
    run, _, _ = school_day
    assert run.peak_running <= 8
    assert run.peak_school <= 2


def test_rates_follow_the_timetable(school_day) -> None:  # type: ignore[no-untyped-def]
    run, cameras, _ = school_day
    booths = [p.camera_id for p in cameras if p.role is CameraRole.BOOTH]

    def per_hour(first_h: float, last_h: float) -> float:
        looks = sum(
            1 for c in booths for t in run.starts(c) if MONDAY + first_h * HOUR <= t < MONDAY + last_h * HOUR
        )
        return looks / len(booths) / (last_h - first_h)

    # Weights 24 at the arrival peak, 8 in class hours, 1 at night (a floor of 1/(0.4 × 3 h) ≈ 0.83).
    assert per_hour(6.75, 8.25) == pytest.approx(24, rel=0.25)
    assert per_hour(8.25, 11.75) == pytest.approx(8, rel=0.25)
    assert per_hour(0, 6.75) == pytest.approx(1, rel=0.4)


@pytest.mark.parametrize(
    ("calendar_extra", "looked_at_on_monday"),
    [
        pytest.param({}, True, id="a school day"),
        pytest.param({"holidays": [{"start": "2026-03-02", "name": "closed"}]}, False, id="a holiday"),
        pytest.param({"terms": [{"start": "2026-03-03", "end": "2026-07-10"}]}, False, id="before the term"),
        pytest.param(
            {"terms": [{"start": "2026-02-23", "end": "2026-03-02"}]}, True, id="the term's last day"
        ),
    ],
)
def test_holidays_and_term_dates(calendar_extra: dict[str, object], looked_at_on_monday: bool) -> None:
    from patrol.config.schema import default_calendar

    config = {**default_calendar().model_dump(mode="json"), **calendar_extra}
    calendar = calendar_of(config)
    cameras = county(2, 4)
    # Monday 07:00 to Tuesday 00:00: the night before belongs to Monday too, so start after it.
    run = drive(new_plan(cameras, calendar, start=MONDAY + 7 * HOUR), MONDAY + 7 * HOUR, MONDAY + DAY, 3.0)
    looks = sum(len(v) for v in run.visits.values())
    assert (looks > 0) is looked_at_on_monday


def test_follow_ups_come_between_the_delay_and_a_quarter_more_never_earlier() -> None:
    calendar = constant_calendar(1, 86400)  # almost no random looks to get in the way
    cameras = county(1, 40, timetable="always")
    plan = new_plan(cameras, calendar, seed=3)
    asked = {}
    rng = random.Random(4)
    events = {}
    for index, pace in enumerate(cameras):
        at = MONDAY + 60 + index
        after = rng.uniform(30, 600)
        asked[pace.camera_id] = (at, after)
        events[at] = lambda plan, now, camera=pace.camera_id, after=after: plan.request_follow_up(
            camera, now, after
        )
    run = drive(plan, MONDAY, MONDAY + 2 * HOUR, 5.0, events=events)
    offsets = []
    for camera_id, (at, after) in asked.items():
        [follow_up] = [v for v in run.visits[camera_id] if v.kind is LookKind.FOLLOW_UP]
        assert at + after <= follow_up.started_at <= at + 1.25 * after, camera_id
        assert follow_up.priority is Priority.URGENT
        offsets.append((follow_up.started_at - at) / after - 1)
    # Spread over the allowed quarter, not piled at its start.
    assert min(offsets) < 0.05 and max(offsets) > 0.15
    assert plan.figures.follow_ups_late == 0


def test_follow_up_and_on_demand_looks_come_first() -> None:
    calendar = constant_calendar(1, 86400)
    cameras = county(1, 2, timetable="always")
    plan = new_plan(cameras, calendar, workers=1, max_per_school=1)
    plan.request_follow_up("s0-c1", MONDAY, 5.0)
    assert plan.due(MONDAY + 4.0) == []
    [visit] = plan.due(MONDAY + 6.25)
    assert (visit.camera_id, visit.kind) == ("s0-c1", LookKind.FOLLOW_UP)
    plan.finished("s0-c1", MONDAY + 7.0)
    ticket = plan.request_on_demand("s0", MONDAY + 7.0, within_s=120)
    first = plan.due(MONDAY + 7.0)
    assert [v.kind for v in first] == [LookKind.ON_DEMAND]
    plan.finished(first[0].camera_id, MONDAY + 8.0)
    [second] = plan.due(MONDAY + 8.0)
    assert second.kind is LookKind.ON_DEMAND and second.camera_id != first[0].camera_id
    [done] = plan.finished(second.camera_id, MONDAY + 9.0)
    assert done is ticket and ticket.completed_at == MONDAY + 9.0


def test_an_on_demand_patrol_looks_at_every_camera_of_the_school_within_the_bound() -> None:
    calendar = calendar_of()
    cameras = county(12, 20)
    at = MONDAY + 7 * HOUR  # the arrival peak, when workers are busiest
    plan = new_plan(cameras, calendar, workers=6, max_per_school=2, seed=9)
    tickets = []
    run = drive(
        plan,
        MONDAY + 6.5 * HOUR,
        MONDAY + 8 * HOUR,
        look_length(3),
        events={at: lambda plan, now: tickets.append(plan.request_on_demand("s4", now, within_s=120))},
    )
    [ticket] = tickets
    assert ticket.completed_at is not None and ticket.completed_at <= at + 120
    assert run.completed == [ticket]
    for pace in cameras:
        if pace.school_id != "s4":
            continue
        spans = [
            (start, end)
            for (start, end), visit in zip(run.spans[pace.camera_id], run.visits[pace.camera_id], strict=True)
            if start >= at and visit.kind is LookKind.ON_DEMAND
        ]
        assert spans and spans[0][1] <= at + 120, pace.camera_id
    assert plan.figures.on_demand_late == 0


def test_when_capacity_falls_short_booth_and_gate_guarantees_in_peaks_hold_and_the_shortfall_shows() -> None:
    calendar = calendar_of()
    cameras = county(30, 8)
    plan = new_plan(cameras, calendar, workers=4, max_per_school=2, seed=11)

    def length(visit) -> float:  # type: ignore[no-untyped-def]
        return GATE_S if "gate" in plan_roles[visit.camera_id] else SNAPSHOT_S

    plan_roles = {p.camera_id: p.role.value for p in cameras}
    start, end = MONDAY + 6 * HOUR, MONDAY + 8 * HOUR  # into the arrival peak
    run = drive(plan, start, end, length)
    over = gaps_beyond_maximum(run, cameras, calendar, start, end)
    assert [gap for gap in over if gap[4]] == [], "a booth or gate camera went too long in a peak"
    figures = plan.figures
    assert figures.random_looks_shed > 0.2 * figures.random_looks_wanted
    assert plan.admission.demand_workers > plan.workers
    assert run.peak_running <= 4 and run.peak_school <= 2
    # The guarantees of booth and gate cameras were kept by urgent looks ahead of everything else.
    priorities = Counter(v.priority for visits in run.visits.values() for v in visits)
    assert priorities[Priority.URGENT] > 0


def test_the_planner_learns_slower_looks_and_plans_fewer_random_ones() -> None:
    calendar = constant_calendar(60, 600)
    cameras = county(10, 10, timetable="always")
    plan = new_plan(cameras, calendar, workers=10, max_per_school=3, seed=2)
    drive(plan, MONDAY, MONDAY + HOUR, 2.0)
    assert plan.costs.expected_s(CameraRole.BOOTH) == pytest.approx(2.0, rel=0.05)
    assert plan.admission.other == 1.0
    shed_before = plan.figures.random_looks_shed
    # The cameras' uplinks get slow: every look now takes 20 s, so 100 cameras at 60 looks an
    # hour would need 33 workers.
    drive(plan, MONDAY + HOUR, MONDAY + 3 * HOUR, 20.0)
    assert plan.costs.expected_s(CameraRole.BOOTH) == pytest.approx(20.0, rel=0.05)
    assert plan.admission.other < 0.35
    assert plan.figures.random_looks_shed > shed_before


def test_failed_looks_cost_their_timeout_in_the_learned_costs() -> None:
    costs = LookCosts(prior_ok_s=2.0, prior_failed_s=8.0, prior_failure_share=0.0)
    for index in range(400):
        costs.observe(CameraRole.YARD, 8.0 if index % 4 == 0 else 2.0, failed=index % 4 == 0)
    assert costs.expected_s(CameraRole.YARD) == pytest.approx(0.75 * 2.0 + 0.25 * 8.0, rel=0.1)


def test_reinspection_raises_the_rate_of_a_school_until_cleared() -> None:
    calendar = constant_calendar(12, 3600)
    cameras = county(2, 20, timetable="always")
    plan = new_plan(cameras, calendar, seed=6, reinspection_rate_factor=3.0)
    events = {
        MONDAY: lambda plan, now: plan.set_reinspection({"s0"}, now),
        MONDAY + 4 * HOUR: lambda plan, now: plan.set_reinspection(set(), now),
    }
    run = drive(plan, MONDAY, MONDAY + 8 * HOUR, 1.0, events=events)

    def looks(school: str, first_h: float, last_h: float) -> int:
        return sum(
            1
            for p in cameras
            if p.school_id == school
            for t in run.starts(p.camera_id)
            if MONDAY + first_h * HOUR <= t < MONDAY + last_h * HOUR
        )

    assert looks("s0", 0, 4) / looks("s1", 0, 4) == pytest.approx(3.0, rel=0.2)
    assert looks("s0", 4, 8) / looks("s1", 4, 8) == pytest.approx(1.0, rel=0.2)


def test_a_request_during_a_look_waits_for_it_to_end() -> None:
    calendar = constant_calendar(1, 86400)
    cameras = county(1, 1, timetable="always")
    plan = new_plan(cameras, calendar)
    plan.request_follow_up("s0-c0", MONDAY, 10.0)
    [visit] = plan.due(MONDAY + 13.0)
    plan.request_on_demand("s0", MONDAY + 14.0, within_s=120)
    assert plan.due(MONDAY + 15.0) == []  # still looking
    plan.finished(visit.camera_id, MONDAY + 20.0)
    [again] = plan.due(MONDAY + 20.0)
    assert again.kind is LookKind.ON_DEMAND


def test_the_live_plan_draws_from_the_operating_systems_secure_source() -> None:
    plan = VisitPlan(county(1, 1), calendar_of(), now=MONDAY, workers=1, max_per_school=1)
    assert isinstance(plan._rng, secrets.SystemRandom)


def test_a_county_day_is_planned_in_logarithmic_time_per_look() -> None:
    """3,100 cameras through the busiest hour: the plan must not scan every camera per look."""
    import time

    calendar = calendar_of()
    cameras = county(155, 20)
    plan = new_plan(cameras, calendar, workers=80, max_per_school=3)
    started = time.perf_counter()
    run = drive(plan, MONDAY + 7 * HOUR, MONDAY + 8 * HOUR, 3.0)
    took = time.perf_counter() - started
    looks = sum(len(v) for v in run.visits.values())
    assert looks > 30_000
    assert took / looks < 200e-6, f"{took / looks * 1e6:.0f} µs a look"


def test_overlapping_on_demand_requests_each_wait_for_a_look_at_every_camera() -> None:
    plan = new_plan(
        county(1, 3, timetable="always"), constant_calendar(1, 86400), workers=1, max_per_school=1
    )
    first = plan.request_on_demand("s0", MONDAY, within_s=120)
    [visit] = plan.due(MONDAY)
    assert plan.finished(visit.camera_id, MONDAY + 1) == []
    second = plan.request_on_demand("s0", MONDAY + 1, within_s=120)
    at, completed = MONDAY + 1, []
    while len(completed) < 2:
        [visit] = plan.due(at)
        assert visit.kind is LookKind.ON_DEMAND
        at += 1
        completed += plan.finished(visit.camera_id, at)
    assert completed == [first, second]
    assert (first.completed_at, second.completed_at) == (MONDAY + 3, MONDAY + 4)


def test_snapshots_and_patrol_looks_share_the_school_limit() -> None:
    slots = StreamSlots(per_school=2)
    plan = new_plan(
        county(1, 3, timetable="always"),
        constant_calendar(1, 86400),
        workers=10,
        max_per_school=2,
        slots=slots,
    )
    plan.request_on_demand("s0", MONDAY, within_s=120)
    assert slots.try_take("s0-c0", "s0")  # an officer's "look now" at camera 0
    [visit] = plan.due(MONDAY)
    assert visit.camera_id != "s0-c0"  # never a second stream to the camera
    assert slots.open_at("s0") == 2
    assert plan.due(MONDAY + 1) == []  # the school's uplink is full
    assert not slots.try_take("s0-c2", "s0")  # and so is it for the next snapshot
    slots.release("s0-c0", "s0")  # the snapshot is done: the patrol goes on without a look finishing
    [second] = plan.due(MONDAY + 2)
    assert second.camera_id not in {visit.camera_id}
    assert slots.open_at("s0") == 2
    plan.finished(visit.camera_id, MONDAY + 3)
    plan.finished(second.camera_id, MONDAY + 3)
    assert slots.open_at("s0") == 0


def test_cameras_join_change_and_leave_a_running_plan() -> None:
    """A camera added at T is looked at within its maximum gap of T; a camera removed gets no
    look after; one whose pace changes keeps being planned, at its new school's limit."""
    calendar = constant_calendar(looks_per_hour=6, max_gap_s=600)
    first = [
        CameraPace("a", "s1", CameraRole.BOOTH, "always"),
        CameraPace("b", "s1", CameraRole.YARD, "always"),
    ]
    plan = new_plan(first, calendar, max_per_school=1)
    added = CameraPace("c", "s2", CameraRole.GATE_INSIDE, "always")
    moved = CameraPace("b", "s2", CameraRole.GATE_OUTSIDE, "always", gap_cap_s=300)
    t_add, t_move, t_remove = MONDAY + HOUR, MONDAY + 2 * HOUR, MONDAY + 3 * HOUR
    run = drive(
        plan,
        MONDAY,
        MONDAY + 5 * HOUR,
        duration=20.0,
        events={
            t_add: lambda p, now: p.add_camera(added, now),
            t_move: lambda p, now: p.update_camera(moved, now),
            t_remove: lambda p, now: p.remove_camera("a", now),
        },
    )
    assert run.starts("c") and run.starts("c")[0] <= t_add + 600
    assert not [t for t in run.starts("c") if t < t_add]
    assert not [t for t in run.starts("a") if t > t_remove]
    assert plan.cameras_of("s1") == [] and sorted(plan.cameras_of("s2")) == ["b", "c"]
    # After the move: b at school s2 with its own 300 s cap, never beside c (one stream per school).
    later = [t for t in run.starts("b") if t > t_move]
    assert later and max(b - a for a, b in itertools.pairwise([t_move, *later])) <= 300
    spans = sorted(s for camera in ("b", "c") for s in run.spans[camera] if s[0] > t_move)
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))
    assert not plan.has_camera("a") and plan.has_camera("b")


def test_a_camera_removed_while_looked_at_finishes_its_look_and_plans_nothing_more() -> None:
    calendar = constant_calendar(looks_per_hour=60, max_gap_s=120)
    plan = new_plan([CameraPace("a", "s1", CameraRole.BOOTH, "always")], calendar)
    visits: list[object] = []
    now = MONDAY
    while not visits:
        visits = list(plan.due(now))
        now += 1.0
    ticket = plan.request_on_demand("s1", now, 120)
    plan.remove_camera("a", now)
    assert not plan.has_camera("a") and plan.running == 1
    assert ticket.completed_at == now  # its only camera left: nothing more to wait for
    plan.request_follow_up("a", now, 30)  # asked by the look that was running: ignored
    assert plan.finished("a", now + 5) == [] and plan.running == 0
    assert plan.due(now + 3600) == []
    # Added again, it is planned afresh.
    plan.add_camera(CameraPace("a", "s1", CameraRole.BOOTH, "always"), now + 3600)
    assert plan.has_camera("a")
    assert drive(plan, now + 3600, now + 3600 + 130).starts("a")
