"""Zones and lines in normalized image coordinates, built once from the config."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Points = NDArray[np.float32]


@dataclass(frozen=True)
class Polygon:
    name: str
    vertices: Points  # (K, 2), K >= 3

    @classmethod
    def of(cls, name: str, points: tuple[tuple[float, float], ...]) -> Polygon:
        return cls(name, np.asarray(points, np.float32).reshape(-1, 2))

    def contains(self, points: Points) -> NDArray[np.bool_]:
        """Even-odd ray casting for many points at once."""
        points = np.asarray(points, np.float32).reshape(-1, 2)
        x, y = points[:, 0:1], points[:, 1:2]
        x1, y1 = self.vertices[:, 0], self.vertices[:, 1]
        x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
        straddles = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside: NDArray[np.bool_] = (np.count_nonzero(straddles & (x < x_cross), axis=1) % 2) == 1
        return inside


@dataclass(frozen=True)
class DirectedLine:
    """A line with a known school side; `side` is positive inside, negative outside."""

    name: str
    start: Points
    end: Points
    inside_sign: float

    @classmethod
    def of(
        cls, name: str, points: tuple[tuple[float, float], tuple[float, float]], inside: tuple[float, float]
    ) -> DirectedLine:
        start, end = np.asarray(points[0], np.float32), np.asarray(points[1], np.float32)
        sign = float(np.sign(_cross(start, end, np.asarray([inside], np.float32))[0]))
        if sign == 0:
            raise ValueError(f"line {name!r}: the inside point lies on the line")
        return cls(name, start, end, sign)

    def side(self, points: Points) -> NDArray[np.float32]:
        return (
            _cross(self.start, self.end, np.asarray(points, np.float32).reshape(-1, 2)) * self.inside_sign
        ).astype(np.float32)


def _cross(start: Points, end: Points, points: Points) -> NDArray[np.float32]:
    direction = end - start
    offset = points - start
    return (direction[0] * offset[:, 1] - direction[1] * offset[:, 0]).astype(np.float32)
