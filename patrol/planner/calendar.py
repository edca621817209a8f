"""The school calendar as the planner sees it: for one camera, the open windows ahead, each with its
random look rate and its maximum gap.

Built once at start-up from the inert config. Times are seconds since the epoch; dates and clock
times are the schools' local ones.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from patrol.config.schema import CalendarConfig, SamplingConfig, TimetableConfig
from patrol.types import CameraRole
from patrol.windows import TimeSpan

# Cameras whose guarantees come first in peak windows.
KEY_ROLES = frozenset({CameraRole.BOOTH, CameraRole.GATE_INSIDE, CameraRole.GATE_OUTSIDE})
DAY_S = 86400.0


@dataclass(frozen=True)
class RoleVisits:
    looks_per_hour: float
    max_gap_s: float


@dataclass(frozen=True)
class Window:
    name: str
    peak: bool
    spans: tuple[TimeSpan, ...]
    roles: Mapping[CameraRole, RoleVisits]


@dataclass(frozen=True, slots=True)
class Opening:
    """One window open from `start` to `end`: a span, or adjacent spans of the same window joined."""

    start: float
    end: float
    window: int  # index into the timetable's windows


@dataclass(frozen=True, slots=True)
class Segment:
    """An opening as one camera sees it."""

    start: float
    end: float
    rate: float  # random looks per second
    max_gap_s: float
    key: bool  # a booth or gate camera in a peak window


@dataclass(frozen=True, slots=True)
class _Visits:
    rate: float
    max_gap_s: float
    key: bool


class SchoolCalendar:
    def __init__(
        self,
        timetables: Mapping[str, tuple[Window, ...]],
        *,
        timezone: ZoneInfo,
        default_timetable: str,
        terms: tuple[tuple[date, date], ...] = (),
        holidays: tuple[tuple[date, date], ...] = (),
        mean_gap_fraction: float = 0.4,
    ) -> None:
        self.timetables = dict(timetables)
        self.timezone = timezone
        self.default_timetable = default_timetable
        self._terms = terms
        self._holidays = holidays
        self._mean_gap_fraction = mean_gap_fraction
        self._openings: dict[tuple[str, date], tuple[Opening, ...]] = {}
        self._paces: dict[tuple[str, CameraRole, float | None], CameraCalendar] = {}

    @classmethod
    def from_config(cls, calendar: CalendarConfig, sampling: SamplingConfig, timezone: str) -> SchoolCalendar:
        def timetable(config: TimetableConfig) -> tuple[Window, ...]:
            return tuple(
                Window(
                    name,
                    window.peak,
                    tuple(TimeSpan.of(span) for span in window.spans),
                    {
                        role: RoleVisits(
                            visits.weight * calendar.base_looks_per_hour,
                            visits.max_gap_s or sampling.default_max_gap_s,
                        )
                        for role, visits in window.roles.items()
                    },
                )
                for name, window in config.windows.items()
            )

        return cls(
            {name: timetable(config) for name, config in calendar.timetables.items()},
            timezone=ZoneInfo(timezone),
            default_timetable=calendar.default_timetable,
            terms=tuple((term.start, term.last) for term in calendar.terms),
            holidays=tuple((holiday.start, holiday.last) for holiday in calendar.holidays),
            mean_gap_fraction=sampling.mean_gap_fraction,
        )

    def is_school_date(self, day: date) -> bool:
        in_term = not self._terms or any(first <= day <= last for first, last in self._terms)
        return in_term and not any(first <= day <= last for first, last in self._holidays)

    def local_date(self, at: float) -> date:
        return datetime.fromtimestamp(at, self.timezone).date()

    def openings_on(self, timetable: str, day: date) -> tuple[Opening, ...]:
        """The spans that start on `day` (local), in time order; none on a day without school."""
        cached = self._openings.get((timetable, day))
        if cached is not None:
            return cached
        found: list[Opening] = []
        if self.is_school_date(day):
            weekday = day.weekday()
            for index, window in enumerate(self.timetables[timetable]):
                for span in window.spans:
                    if weekday not in span.weekdays:
                        continue
                    end_day = day if span.end_min > span.start_min else day + timedelta(days=1)
                    start = self._at(day, span.start_min)
                    found.append(Opening(start, self._at(end_day, span.end_min), index))
        openings = tuple(sorted(found, key=lambda opening: opening.start))
        self._openings[(timetable, day)] = openings
        return openings

    def openings_from(self, timetable: str, after: float, until: float) -> Iterator[Opening]:
        """Openings that end after `after`, in order, adjacent spans of one window joined, cut at `until`."""
        day = self.local_date(after) - timedelta(days=1)  # a span from yesterday may still be open
        last_day = self.local_date(until)
        pending: Opening | None = None
        while day <= last_day:
            for opening in self.openings_on(timetable, day):
                if pending is not None and opening.start == pending.end and opening.window == pending.window:
                    pending = Opening(pending.start, opening.end, pending.window)
                    continue
                if pending is not None and pending.end > after:
                    yield Opening(pending.start, min(pending.end, until), pending.window)
                pending = None
                if opening.start >= until:
                    return
                pending = opening
            day += timedelta(days=1)
        if pending is not None and pending.end > after:
            yield Opening(pending.start, min(pending.end, until), pending.window)

    def camera(self, timetable: str, role: CameraRole, gap_cap_s: float | None) -> CameraCalendar:
        """What one kind of camera sees; cameras of one timetable, role and cap share it."""
        key = (timetable, role, gap_cap_s)
        found = self._paces.get(key)
        if found is None:
            visits: list[_Visits | None] = []
            for window in self.timetables[timetable]:
                role_visits = window.roles.get(role)
                if role_visits is None:
                    visits.append(None)
                    continue
                max_gap = min(role_visits.max_gap_s, gap_cap_s or role_visits.max_gap_s)
                # Enough random looks that the maximum gap is mostly kept by them, not by forced looks.
                rate = max(role_visits.looks_per_hour / 3600.0, 1.0 / (self._mean_gap_fraction * max_gap))
                visits.append(_Visits(rate, max_gap, window.peak and role in KEY_ROLES))
            found = self._paces[key] = CameraCalendar(self, timetable, tuple(visits))
        return found

    def _at(self, day: date, minute: int) -> float:
        if minute >= 1440:
            day, minute = day + timedelta(days=1), minute - 1440
        return datetime.combine(day, time(minute // 60, minute % 60), self.timezone).timestamp()


class CameraCalendar:
    """The segments of one camera: the openings of windows that visit its role, with its rate and gap.

    Segments are worked out for a stretch of days at a time and found by bisection, so the planner
    pays a lookup, not a walk through the calendar, for each draw.
    """

    _LOOK_BACK_S = DAY_S
    _STRETCH_S = 16 * DAY_S

    def __init__(self, calendar: SchoolCalendar, timetable: str, visits: tuple[_Visits | None, ...]) -> None:
        self._calendar = calendar
        self._timetable = timetable
        self._visits = visits
        self._valid_from = self._valid_until = 0.0
        self._segments: list[Segment] = []
        self._ends: list[float] = []

    def segments(self, after: float, until: float) -> Iterator[Segment]:
        """Segments that end after `after` and start before `until`, in order; the last one may
        reach beyond `until`."""
        if after < self._valid_from or until > self._valid_until:
            self._work_out(after, until)
        segments = self._segments
        index = bisect.bisect_right(self._ends, after)
        while index < len(segments) and segments[index].start < until:
            yield segments[index]
            index += 1

    def _work_out(self, after: float, until: float) -> None:
        first = after - self._LOOK_BACK_S
        last = max(until, after + self._STRETCH_S) + DAY_S
        segments = []
        for opening in self._calendar.openings_from(self._timetable, first, last):
            visits = self._visits[opening.window]
            if visits is not None:
                segments.append(
                    Segment(opening.start, opening.end, visits.rate, visits.max_gap_s, visits.key)
                )
        self._segments = segments
        self._ends = [segment.end for segment in segments]
        # The last segment may be cut at `last`; queries stay a day short of it.
        self._valid_from, self._valid_until = first, last - DAY_S

    def segment_at(self, at: float) -> tuple[Segment | None, float]:
        """The segment open at `at`, if any, and when that answer next changes."""
        for segment in self.segments(at, at + 8 * DAY_S):
            if segment.start <= at:
                return segment, segment.end
            return None, segment.start
        return None, at + 8 * DAY_S

    def deadline(self, last_look: float, now: float, horizon: float) -> tuple[float, Segment | None]:
        """When the gap since `last_look` would first exceed the maximum of an open window.

        A window's gap is counted from the later of the last look and the window's opening, so a
        short-gap window after a long-gap one starts its own clock. None within `horizon`: infinity.
        """
        for segment in self.segments(now, horizon):
            due = max(last_look, segment.start) + segment.max_gap_s
            if due < segment.end:
                return due, segment
        return float("inf"), None
