"""The school gate seen from inside the grounds: a sliding gate that opens and closes, and the
cars that pass in the street beyond it.

The ``school_gate`` scene (scene.py) draws the walls, the two posts and the street seen through
the passage; this module draws what moves there, under the same normalized coordinates: the
passage runs from x = PASSAGE_LEFT to PASSAGE_RIGHT, the gate's rails from GATE_TOP to
GATE_BOTTOM. Opening slides the gate to the right, behind the right-hand wall.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]

PASSAGE_LEFT = 0.255
PASSAGE_RIGHT = 0.745
GATE_TOP = 0.40
GATE_BOTTOM = 0.90
STREET_FEET_Y = 0.70  # where a passing car's wheels touch the street
BAR_SPACING = 0.022
SLIDE_S = 4.0  # how long the gate takes to slide fully open or shut


class GateState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"


@dataclass(frozen=True)
class Gate:
    """When the gate stands open: spans of scenario seconds (it slides for SLIDE_S at each end)."""

    open_spans: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        for start, end in self.open_spans:
            if not 0 <= start < end:
                raise ValueError(f"a gate's open span needs 0 <= start < end, got {start}..{end}")

    @classmethod
    def fixed(cls, state: GateState) -> Gate:
        return cls(((0.0, 1e9),) if state is GateState.OPEN else ())

    def opened(self, t: float) -> float:
        """How far open the gate is at ``t``: 0 shut, 1 fully open."""
        share = 0.0
        for start, end in self.open_spans:
            if start <= t <= end:
                rising = (t - start) / SLIDE_S if start > 0 else 1.0
                share = max(share, min(1.0, rising))
            elif end < t < end + SLIDE_S:
                share = max(share, 1.0 - (t - end) / SLIDE_S)
        return share

    def is_open(self, t: float) -> bool:
        """Open enough to walk or drive through."""
        return self.opened(t) >= 0.5


@dataclass(frozen=True)
class Car:
    """A car driving along the street beyond the gate, across the picture in ``cross_s`` seconds."""

    start_s: float
    cross_s: float = 6.0
    leftwards: bool = False
    color: tuple[int, int, int] = (60, 60, 170)  # BGR

    def __post_init__(self) -> None:
        if self.start_s < 0 or self.cross_s <= 0:
            raise ValueError(f"a car needs start_s >= 0 and cross_s > 0, got {self.start_s}, {self.cross_s}")

    def x_at(self, t: float) -> float | None:
        """Centre of the car across the picture at ``t``; None when it is not in the street's view."""
        share = (t - self.start_s) / self.cross_s
        if not 0 <= share <= 1:
            return None
        x = -0.25 + 1.5 * share
        return 1.0 - x if self.leftwards else x


def _px(image: Image, x: float, y: float) -> tuple[int, int]:
    return round(x * image.shape[1]), round(y * image.shape[0])


def draw_cars(image: Image, cars: tuple[Car, ...], t: float) -> None:
    """The cars in the street, seen only through the passage (the walls hide the rest)."""
    height, width = image.shape[:2]
    street = np.zeros_like(image)
    mask = np.zeros((height, width), np.uint8)
    for car in cars:
        x = car.x_at(t)
        if x is None:
            continue
        half = 0.15
        body_top, bottom = STREET_FEET_Y - 0.12, STREET_FEET_Y - 0.02
        cv2.rectangle(street, _px(image, x - half, body_top), _px(image, x + half, bottom), car.color, -1)
        cabin = (x - half * 0.55, STREET_FEET_Y - 0.20, x + half * 0.5, body_top)
        cv2.rectangle(street, _px(image, cabin[0], cabin[1]), _px(image, cabin[2], cabin[3]), car.color, -1)
        glass = (150, 140, 120)
        cv2.rectangle(
            street,
            _px(image, cabin[0] + 0.01, cabin[1] + 0.015),
            _px(image, cabin[2] - 0.01, body_top),
            glass,
            -1,
        )
        for wheel_x in (x - half * 0.6, x + half * 0.6):
            cv2.circle(
                street, _px(image, wheel_x, STREET_FEET_Y - 0.02), round(0.035 * height), (25, 25, 25), -1
            )
        cv2.rectangle(
            mask,
            _px(image, x - half, STREET_FEET_Y - 0.21),
            _px(image, x + half, STREET_FEET_Y + 0.02),
            255,
            -1,
        )
    mask[:, : round(PASSAGE_LEFT * width)] = 0
    mask[:, round(PASSAGE_RIGHT * width) :] = 0
    covered = (mask > 0) & street.any(axis=2)
    image[covered] = street[covered]


def draw_gate(image: Image, opened: float) -> None:
    """The sliding gate, ``opened`` (0..1) of the way behind the right-hand wall."""
    if opened >= 1.0:
        return
    height, width = image.shape[:2]
    left = PASSAGE_LEFT + (PASSAGE_RIGHT - PASSAGE_LEFT) * opened
    steel = (58, 62, 66)
    x0, x1 = round(left * width), round(PASSAGE_RIGHT * width)
    rail = max(2, round(0.018 * height))
    for y in (GATE_TOP, (GATE_TOP + GATE_BOTTOM) / 2, GATE_BOTTOM - 0.02):
        y_px = round(y * height)
        cv2.rectangle(image, (x0, y_px), (x1, y_px + rail), steel, -1)
    bar = max(2, round(0.006 * width))
    x = left
    while x <= PASSAGE_RIGHT:
        cv2.rectangle(
            image,
            _px(image, x, GATE_TOP - 0.03),
            (round(x * width) + bar, round(GATE_BOTTOM * height)),
            steel,
            -1,
        )
        x += BAR_SPACING
    cv2.rectangle(
        image, (x0, round((GATE_TOP - 0.03) * height)), (x0 + 2 * bar, round(GATE_BOTTOM * height)), steel, -1
    )
