"""Per-track foot paths through a clip: the raw material of the motion rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from patrol.geometry import Polygon
from patrol.rules.base import Look


@dataclass(frozen=True)
class FootPath:
    track_id: int
    times_s: NDArray[np.float32]  # offsets within the look
    points: NDArray[np.float32]  # (N, 2) foot points, normalized
    frame_indices: NDArray[np.int32]

    def longest_stay(self, zone: Polygon, max_gap_s: float) -> float:
        """Longest span inside the zone, bridging misses shorter than `max_gap_s`."""
        inside = zone.contains(self.points)
        best = 0.0
        start = last = None
        for time_s, is_inside in zip(self.times_s.tolist(), inside.tolist(), strict=True):
            if not is_inside:
                continue
            if last is None or time_s - last > max_gap_s:
                start = time_s
            last = time_s
            assert start is not None
            best = max(best, last - start)
        return best

    def still_span(self, zone: Polygon, max_speed: float, max_gap_s: float) -> tuple[float, float] | None:
        """Longest span standing still in the zone: feet inside and moving slower than
        `max_speed` (picture widths per second), bridging misses shorter than `max_gap_s`."""
        if len(self.times_s) < 2:
            return None
        steps = np.linalg.norm(np.diff(self.points, axis=0), axis=1) / np.maximum(np.diff(self.times_s), 1e-3)
        speed = np.r_[steps, steps[-1]]  # the last sample moves as the one before it did
        still = zone.contains(self.points) & (speed <= max_speed)
        best: tuple[float, float] | None = None
        start = last = None
        for time_s, is_still in zip(self.times_s.tolist(), still.tolist(), strict=True):
            if not is_still:
                continue
            if last is None or time_s - last > max_gap_s:
                start = time_s
            last = time_s
            assert start is not None
            if best is None or last - start > best[1] - best[0]:
                best = (start, last)
        return best


def foot_paths(look: Look) -> list[FootPath]:
    by_track: dict[int, list[tuple[float, float, float, int]]] = {}
    for index, frame in enumerate(look.frames):
        feet = frame.detections.foot_points
        for track_id, (x, y) in zip(frame.detections.track_ids.tolist(), feet.tolist(), strict=True):
            if track_id >= 0:
                by_track.setdefault(track_id, []).append((frame.offset_s, x, y, index))
    paths = []
    for track_id, samples in sorted(by_track.items()):
        data = np.asarray(samples, np.float32)
        paths.append(FootPath(track_id, data[:, 0], data[:, 1:3], data[:, 3].astype(np.int32)))
    return paths
