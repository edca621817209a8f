"""Stays: one person keeping to one small place through a clip, across the tracker's breaks.

A person standing on a busy pavement is hidden for a moment by everyone who walks past in
front of them; the tracker then often ends their track and starts another, or lends it to
the passer-by. A stay therefore starts from a track that keeps still (FootPath.stay_in_place)
and gathers, picture by picture, the detection in the same small square that looks like
that person, whichever track it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detectors.appearance import Appearance, mean_histograms, similarity
from patrol.geometry import Polygon
from patrol.rules.base import Look
from patrol.rules.paths import FootPath, foot_paths

# A track must keep still this long to be taken for someone staying at all.
_MIN_SEED_S = 2.0


@dataclass(frozen=True)
class Stay:
    track_ids: tuple[int, ...]  # per picture of the stay, the track the person had in it
    times_s: tuple[float, ...]
    frame_indices: tuple[int, ...]
    points: NDArray[np.float32]  # (N, 2) foot points
    appearances: tuple[Appearance, ...]  # per picture; empty where the look described nobody

    @property
    def duration_s(self) -> float:
        return self.times_s[-1] - self.times_s[0]

    @property
    def middle(self) -> int:
        return len(self.times_s) // 2

    @property
    def histograms(self) -> NDArray[np.float32] | None:
        return mean_histograms(self.appearances) if self.appearances else None


def stays(
    look: Look, zone: Polygon, reach_heights: float, min_similarity: float, max_gap_s: float
) -> list[Stay]:
    """Each distinct stay of the look, longest first."""
    found: list[Stay] = []
    for path in foot_paths(look):
        span = path.stay_in_place(zone, reach_heights, look.aspect, max_gap_s)
        if span is None or path.times_s[span[1]] - path.times_s[span[0]] < _MIN_SEED_S:
            continue
        stay = _seed(path, *span)
        if path.appearances:
            stay = _gathered(
                look, zone, stay, reach_heights * float(np.median(path.heights)), min_similarity, max_gap_s
            )
        if not any(
            set(stay.frame_indices) & set(other.frame_indices) and _same_place(stay, other) for other in found
        ):
            found.append(stay)
    return sorted(found, key=lambda s: -s.duration_s)


def _seed(path: FootPath, first: int, last: int) -> Stay:
    picked = slice(first, last + 1)
    return Stay(
        (path.track_id,) * (last - first + 1),
        tuple(path.times_s[picked].tolist()),
        tuple(path.frame_indices[picked].tolist()),
        path.points[picked],
        path.appearances[picked] if path.appearances else (),
    )


def _gathered(
    look: Look, zone: Polygon, seed: Stay, reach: float, min_similarity: float, max_gap_s: float
) -> Stay:
    """The seed's person in every picture: inside the square of side `reach` around where the
    seed stood, and alike to it; the longest run without a gap over `max_gap_s`."""
    assert seed.histograms is not None
    centre = np.median(seed.points, axis=0)
    half_x, half_y = reach / 2 / look.aspect, reach / 2
    picked: list[tuple[float, int, int, NDArray[np.float32], Appearance]] = []
    for index, frame in enumerate(look.frames):
        detections = frame.detections
        if not detections.appearances or not len(detections):
            continue
        feet = detections.foot_points
        near = (np.abs(feet[:, 0] - centre[0]) <= half_x) & (np.abs(feet[:, 1] - centre[1]) <= half_y)
        near &= zone.contains(feet)
        best, best_score = -1, min_similarity
        for slot in np.flatnonzero(near).tolist():
            score = similarity(detections.appearances[slot].histograms, seed.histograms)
            if score >= best_score:
                best, best_score = slot, score
        if best >= 0:
            picked.append(
                (
                    frame.offset_s,
                    index,
                    int(detections.track_ids[best]),
                    feet[best],
                    detections.appearances[best],
                )
            )
    runs: list[list[int]] = []
    for i, (time_s, *_) in enumerate(picked):
        if runs and time_s - picked[runs[-1][-1]][0] <= max_gap_s:
            runs[-1].append(i)
        else:
            runs.append([i])
    if not runs:
        return seed
    longest = max(runs, key=lambda run: picked[run[-1]][0] - picked[run[0]][0])
    if picked[longest[-1]][0] - picked[longest[0]][0] <= seed.duration_s:
        return seed
    chosen = [picked[i] for i in longest]
    return Stay(
        tuple(c[2] for c in chosen),
        tuple(c[0] for c in chosen),
        tuple(c[1] for c in chosen),
        np.asarray([c[3] for c in chosen], np.float32),
        tuple(c[4] for c in chosen),
    )


def _same_place(a: Stay, b: Stay) -> bool:
    return bool(np.allclose(np.median(a.points, axis=0), np.median(b.points, axis=0), atol=0.05))
