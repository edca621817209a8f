"""Scripted detections: persons placed by their feet, looks built from them, a fixed clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from detectors.types import Detections
from patrol.config.schema import TimeSpanConfig
from patrol.rules import Look, ObservedFrame, RuleTiming
from patrol.windows import ActiveWindows

# 2026-11-30 is a Monday; 08:00 in Asia/Shanghai.
MONDAY_8AM = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
ALWAYS = RuleTiming(ActiveWindows.of([TimeSpanConfig(start="00:00", end="24:00")]), ZoneInfo("Asia/Shanghai"))
MORNING_ONLY = RuleTiming(
    ActiveWindows.of([TimeSpanConfig(start="07:00", end="09:00")]), ZoneInfo("Asia/Shanghai")
)

Person = tuple[float, float, int]  # feet x, feet y, track id


def people(*persons: Person, height: float = 0.5) -> Detections:
    if not persons:
        return Detections.empty()
    boxes = np.asarray([[x - 0.05, y - height, x + 0.05, y] for x, y, _ in persons], np.float32)
    return Detections(
        boxes,
        np.full(len(persons), 0.9, np.float32),
        np.zeros(len(persons), np.int32),
        np.asarray([track for *_, track in persons], np.int32),
    )


def look(frames: Sequence[Sequence[Person]], *, fps: float = 2.0, at: datetime = MONDAY_8AM) -> Look:
    observed = tuple(ObservedFrame(index / fps, people(*persons)) for index, persons in enumerate(frames))
    return Look("cam", at, observed)


def walk(
    track: int, x_from: float, x_to: float, seconds: float, fps: float = 2.0, y: float = 0.92
) -> list[Person]:
    steps = int(seconds * fps)
    return [(x_from + (x_to - x_from) * i / steps, y, track) for i in range(steps + 1)]


def stay(track: int, x: float, seconds: float, fps: float = 2.0, y: float = 0.92) -> list[Person]:
    return [(x, y, track)] * int(seconds * fps)


def later(seconds: float, start: datetime = MONDAY_8AM) -> datetime:
    return start + timedelta(seconds=seconds)
