"""Per-track foot paths through a clip: the raw material of the motion rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detectors.appearance import Appearance
from patrol.geometry import Polygon
from patrol.rules.base import Look


@dataclass(frozen=True)
class FootPath:
    track_id: int
    times_s: NDArray[np.float32]  # offsets within the look
    points: NDArray[np.float32]  # (N, 2) foot points, normalized
    frame_indices: NDArray[np.int32]
    heights: NDArray[np.float32]  # box heights, as shares of the picture height
    appearances: tuple[Appearance, ...] = ()  # per sample, where the look described people

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

    def stay_in_place(
        self, zone: Polygon, reach_heights: float, aspect: float, max_gap_s: float
    ) -> tuple[int, int] | None:
        """Longest run of samples (first, last index) with the feet in the zone and within a
        square `reach_heights` person heights across, bridging misses shorter than `max_gap_s`.
        `aspect` (picture width over height) turns normalized x into the lengths heights measure."""
        reach = reach_heights * float(np.median(self.heights))
        return longest_stay_run(
            self.times_s.tolist(),
            self.points * np.asarray([aspect, 1.0], np.float32),
            zone.contains(self.points).tolist(),
            reach,
            max_gap_s,
        )


@dataclass(frozen=True)
class Pacing:
    """How far a pacer may walk from the stay's square, when one person's samples are known."""

    reach: float  # the farthest spread, as long as the run ends back within the square
    # The longest step between two samples, however far apart in time: a pacer walks through
    # every place between; a longer step is a jump to someone else who looks the same.
    max_step: float


def longest_stay_run(
    times: list[float],
    points: NDArray[np.float32],
    usable: list[bool],
    reach: float,
    max_gap_s: float,
    pacing: Pacing | None = None,
) -> tuple[int, int] | None:
    """(first, last) of the longest run of usable samples, without a gap over `max_gap_s`, in
    which one person stays: the feet (`points`, in equal units both ways) keep within a square
    `reach` across; with `pacing`, they may also walk up to its reach and back, ending the run
    within `reach` of where they began, in short steps throughout.

    Walking along the zone leaves the square after a few seconds and does not come back,
    however long the zone. Pacing needs samples known to be one person's (a track can pass
    from one passer-by to another where they cross, and the crossing reads as a turn), so only
    a stay gathered by appearance asks for it.
    """
    best: tuple[int, int] | None = None
    for first in range(len(times)):
        if not usable[first]:
            continue
        last = first
        low = high = points[first].copy()
        walking = True  # every step so far a short one
        for index in range(first + 1, len(times)):
            step_s = times[index] - times[index - 1]
            if step_s > max_gap_s or not usable[index]:
                break
            low, high = np.minimum(low, points[index]), np.maximum(high, points[index])
            spread = float(np.max(high - low))
            if pacing is not None:
                step = float(np.max(np.abs(points[index] - points[index - 1])))
                walking = walking and step <= pacing.max_step
            if spread <= reach:
                last = index
            elif pacing is None or spread > pacing.reach:
                break
            elif walking and float(np.max(np.abs(points[index] - points[first]))) <= reach:
                last = index  # out and back again: pacing
        if best is None or times[last] - times[first] > times[best[1]] - times[best[0]]:
            best = (first, last)
    return best


def foot_paths(look: Look) -> list[FootPath]:
    by_track: dict[int, list[tuple[float, float, float, int, float]]] = {}
    described: dict[int, list[Appearance]] = {}
    for index, frame in enumerate(look.frames):
        detections = frame.detections
        feet = detections.foot_points
        heights = (detections.boxes[:, 3] - detections.boxes[:, 1]).tolist()
        for slot, track_id in enumerate(detections.track_ids.tolist()):
            if track_id >= 0:
                x, y = feet[slot].tolist()
                by_track.setdefault(track_id, []).append((frame.offset_s, x, y, index, heights[slot]))
                if detections.appearances:
                    described.setdefault(track_id, []).append(detections.appearances[slot])
    paths = []
    for track_id, samples in sorted(by_track.items()):
        data = np.asarray(samples, np.float32)
        appearances = tuple(described.get(track_id, ()))
        paths.append(
            FootPath(
                track_id,
                data[:, 0],
                data[:, 1:3],
                data[:, 3].astype(np.int32),
                data[:, 4],
                appearances if len(appearances) == len(samples) else (),
            )
        )
    return paths
