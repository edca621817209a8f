"""Named time windows of the school day (duty hours, class hours), evaluated in the schools' zone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from patrol.config.schema import ALL_DAYS, TimeSpanConfig, clock_minutes


@dataclass(frozen=True)
class TimeSpan:
    weekdays: frozenset[int]  # Monday is 0, as datetime.weekday() counts
    start_min: int
    end_min: int

    @classmethod
    def of(cls, config: TimeSpanConfig) -> TimeSpan:
        return cls(
            frozenset(ALL_DAYS.index(day) for day in config.days),
            clock_minutes(config.start),
            clock_minutes(config.end),
        )

    def contains(self, local: datetime) -> bool:
        minute = local.hour * 60 + local.minute
        if self.start_min <= self.end_min:
            return local.weekday() in self.weekdays and self.start_min <= minute < self.end_min
        # A span across midnight belongs to the day it starts on.
        if minute >= self.start_min:
            return local.weekday() in self.weekdays
        return (local.weekday() - 1) % 7 in self.weekdays and minute < self.end_min


@dataclass(frozen=True)
class ActiveWindows:
    """A rule applies while any of its spans contains the local time."""

    spans: tuple[TimeSpan, ...]

    @classmethod
    def of(cls, spans: Iterable[TimeSpanConfig]) -> ActiveWindows:
        return cls(tuple(TimeSpan.of(span) for span in spans))

    def contains(self, local: datetime) -> bool:
        return any(span.contains(local) for span in self.spans)
