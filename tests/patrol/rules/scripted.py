"""Scripted detections: persons placed by their feet, looks built from them, a fixed clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from detectors.appearance import BANDS, Appearance
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


def dressed_as(who: int) -> Appearance:
    """A scripted person's appearance: each `who` wears its own colour, unlike every other."""
    histograms = np.zeros((len(BANDS), 54), np.float32)
    histograms[:, who % 54] = 1.0
    return Appearance(histograms, np.full((128, 64, 3), (who * 40) % 256, np.uint8))


def people(*persons: Person, height: float = 0.5, who: Mapping[int, int] | None = None) -> Detections:
    """Persons by their feet; each looks like `who[track]` (by default, a person per track)."""
    if not persons:
        return Detections.empty()
    boxes = np.asarray([[x - 0.05, y - height, x + 0.05, y] for x, y, _ in persons], np.float32)
    who = who or {}
    return Detections(
        boxes,
        np.full(len(persons), 0.9, np.float32),
        np.zeros(len(persons), np.int32),
        np.asarray([track for *_, track in persons], np.int32),
        tuple(dressed_as(who.get(track, track)) for *_, track in persons),
    )


def look(
    frames: Sequence[Sequence[Person]],
    *,
    fps: float = 2.0,
    at: datetime = MONDAY_8AM,
    who: Mapping[int, int] | None = None,
) -> Look:
    observed = tuple(
        ObservedFrame(index / fps, people(*persons, who=who)) for index, persons in enumerate(frames)
    )
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
