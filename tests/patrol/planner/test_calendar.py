"""The school calendar: which window is open for which camera, at what rate, with what maximum gap."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from patrol.planner import SchoolCalendar
from patrol.types import CameraRole
from tests.patrol.planner.support import HOUR, ZONE, calendar_of

BOOTH, YARD, GATE = CameraRole.BOOTH, CameraRole.YARD, CameraRole.GATE_OUTSIDE


def local(day: int, clock: str) -> float:
    """March 2026: the 2nd is a Monday."""
    hours, minutes = map(int, clock.split(":"))
    return datetime(2026, 3, day, hours, minutes, tzinfo=ZONE).timestamp()


@pytest.fixture(scope="module")
def school_day() -> SchoolCalendar:
    return calendar_of()


@pytest.mark.parametrize(
    ("role", "day", "clock", "expected"),
    [
        # (looks per hour, maximum gap, booth-or-gate in a peak) or None when the camera rests
        (BOOTH, 2, "07:00", (24, 600, True)),
        (GATE, 2, "16:30", (24, 600, True)),
        (YARD, 2, "07:00", (6, 1800, False)),
        (BOOTH, 2, "10:00", (8, 1800, False)),
        (BOOTH, 2, "12:00", (9, 1200, False)),
        (YARD, 2, "12:00", (3, 3600, False)),
        (BOOTH, 2, "19:00", (4, 3600, False)),
        (BOOTH, 2, "03:00", (1, 10800, False)),  # night: weight 1, above the floor of 1/(0.4 × 3 h)
        (YARD, 2, "03:00", None),  # yards are not looked at at night
        (YARD, 2, "22:30", None),
        (BOOTH, 7, "10:00", None),  # Saturday
        (BOOTH, 8, "23:00", None),  # Sunday night: Monday's night starts at midnight
        (BOOTH, 6, "23:30", (1, 10800, False)),  # Friday night until midnight
        (BOOTH, 2, "06:45", (24, 600, True)),  # boundaries belong to the window they open
        (BOOTH, 2, "06:44", (1, 10800, False)),
    ],
)
def test_the_window_open_for_a_camera(
    school_day: SchoolCalendar,
    role: CameraRole,
    day: int,
    clock: str,
    expected: tuple[float, float, bool] | None,
) -> None:
    segment, _ = school_day.camera("school_day", role, None).segment_at(local(day, clock))
    if expected is None:
        assert segment is None
        return
    assert segment is not None
    looks_per_hour, max_gap_s, key = expected
    assert (segment.rate * 3600, segment.max_gap_s, segment.key) == (
        pytest.approx(looks_per_hour),
        max_gap_s,
        key,
    )


def test_the_night_is_one_window_across_midnight(school_day: SchoolCalendar) -> None:
    booth = school_day.camera("school_day", BOOTH, None)
    [night, *_] = booth.segments(local(2, "23:00"), local(3, "12:00"))
    assert (night.start, night.end) == (local(2, "22:00"), local(3, "06:45"))


def test_a_cameras_own_gap_tightens_every_window_and_raises_its_rate(school_day: SchoolCalendar) -> None:
    segment, _ = school_day.camera("school_day", BOOTH, 300.0).segment_at(local(2, "10:00"))
    assert segment is not None
    assert segment.max_gap_s == 300
    # The random rate rises so that the mean gap stays 40% of the maximum: 1 / 120 s.
    assert segment.rate == pytest.approx(1 / 120)


@pytest.mark.parametrize(
    ("last_look", "now", "expected_deadline"),
    [
        # In class hours (gap 30 min) the deadline is 30 min after the last look.
        (("2", "09:00"), ("2", "09:00"), ("2", "09:30")),
        # A look at night (gap 3 h) just before the arrival peak: the peak starts its own 10 min clock.
        (("2", "06:40"), ("2", "06:40"), ("2", "06:55")),
        # Class hours end before 30 min pass; lunch (20 min) starts its clock at 11:45.
        (("2", "11:30"), ("2", "11:30"), ("2", "12:05")),
        # Friday evening: the evening's hour does not run out before 22:00, nor the night's 3 h
        # before midnight, and nothing is open until Monday's night.
        (("6", "21:30"), ("6", "21:30"), ("9", "03:00")),
    ],
)
def test_deadlines_count_from_the_later_of_the_last_look_and_the_windows_opening(
    school_day: SchoolCalendar,
    last_look: tuple[str, str],
    now: tuple[str, str],
    expected_deadline: tuple[str, str],
) -> None:
    booth = school_day.camera("school_day", BOOTH, None)
    last, at = local(int(last_look[0]), last_look[1]), local(int(now[0]), now[1])
    deadline, _ = booth.deadline(last, at, at + 7 * 24 * HOUR)
    assert deadline == local(int(expected_deadline[0]), expected_deadline[1])


@pytest.mark.parametrize(
    ("terms", "holidays", "day", "school"),
    [
        ((), (), date(2026, 8, 1), True),
        (((date(2026, 2, 23), date(2026, 7, 10)),), (), date(2026, 7, 10), True),
        (((date(2026, 2, 23), date(2026, 7, 10)),), (), date(2026, 7, 11), False),
        (
            ((date(2026, 2, 23), date(2026, 7, 10)),),
            ((date(2026, 4, 4), date(2026, 4, 6)),),
            date(2026, 4, 5),
            False,
        ),
        ((), ((date(2026, 5, 1), date(2026, 5, 1)),), date(2026, 5, 1), False),
        ((), ((date(2026, 5, 1), date(2026, 5, 1)),), date(2026, 5, 2), True),
    ],
)
def test_term_dates_and_holidays(
    terms: tuple[tuple[date, date], ...], holidays: tuple[tuple[date, date], ...], day: date, school: bool
) -> None:
    calendar = SchoolCalendar({}, timezone=ZONE, default_timetable="t", terms=terms, holidays=holidays)
    assert calendar.is_school_date(day) is school


def test_a_span_across_midnight_belongs_to_the_day_it_starts_on() -> None:
    config = {
        "default_timetable": "t",
        "timetables": {
            "t": {
                "windows": {
                    "late": {
                        "spans": [{"days": ["fri"], "start": "22:00", "end": "02:00"}],
                        "roles": {"booth": {"weight": 3, "max_gap_s": 3600}},
                    }
                }
            }
        },
    }
    saturday_off = calendar_of({**config, "holidays": [{"start": "2026-03-07"}]})
    friday_off = calendar_of({**config, "holidays": [{"start": "2026-03-06"}]})
    at = local(7, "01:00")
    assert saturday_off.camera("t", BOOTH, None).segment_at(at)[0] is not None
    assert friday_off.camera("t", BOOTH, None).segment_at(at)[0] is None
