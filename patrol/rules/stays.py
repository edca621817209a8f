"""Stays: one person keeping to one small place through a clip, across the tracker's breaks.

A person standing on a busy pavement is hidden for a moment by everyone who walks past in
front of them; the tracker then often ends their track and starts another, or lends it to
the passer-by. A stay therefore starts from a track that keeps still (FootPath.stay_in_place)
and gathers, picture by picture, the detection near it that looks like that person,
whichever track it belongs to, as long as all of them keep within one small square (or pace
up and down and come back into it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detectors.appearance import Appearance, mean_histograms, similarity
from patrol.geometry import Polygon
from patrol.rules.base import Look
from patrol.rules.paths import FootPath, Pacing, foot_paths, longest_stay_run

# A track must keep still this long to be taken for someone staying at all.
_MIN_SEED_S = 2.0
# A pacer may walk this many times the stay's square, as long as they come back into it.
PACING_FACTOR = 2.0
# A pacer's longest step between two pictures, in their heights: a brisk walk over a second's
# gap is less; a picture-wide hop to the next passer-by in the same clothes is much more.
_MAX_PACING_STEP_HEIGHTS = 0.8


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
    candidates: list[Stay] = []
    for path in foot_paths(look):
        span = path.stay_in_place(zone, reach_heights, look.aspect, max_gap_s)
        if span is None or path.times_s[span[1]] - path.times_s[span[0]] < _MIN_SEED_S:
            continue
        stay = _seed(path, *span)
        if path.appearances:
            height = float(np.median(path.heights))
            stay = _gathered(look, zone, stay, reach_heights * height, height, min_similarity, max_gap_s)
        candidates.append(stay)
    # Two tracks of one person gather the same stay: keep it once, the longest version.
    found: list[Stay] = []
    for stay in sorted(candidates, key=lambda s: -s.duration_s):
        if not any(_shared(stay, other) for other in found):
            found.append(stay)
    return found


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
    look: Look,
    zone: Polygon,
    seed: Stay,
    reach: float,
    height: float,
    min_similarity: float,
    max_gap_s: float,
) -> Stay:
    """The seed's person in every picture where someone near where the seed stood looks like
    it; the longest run in which they stay (`longest_stay_run`: within the square of side
    `reach`, or pacing) with no gap over `max_gap_s`, or the seed itself where that is no longer."""
    assert seed.histograms is not None
    centre = np.median(seed.points, axis=0)
    picked: list[tuple[float, int, int, NDArray[np.float32], Appearance]] = []
    for index, frame in enumerate(look.frames):
        detections = frame.detections
        if not detections.appearances or not len(detections):
            continue
        feet = detections.foot_points
        # A pacer walks up to PACING_FACTOR squares from where they stood.
        near = (np.abs(feet[:, 0] - centre[0]) * look.aspect <= PACING_FACTOR * reach) & (
            np.abs(feet[:, 1] - centre[1]) <= PACING_FACTOR * reach
        )
        near &= zone.contains(feet)
        best, best_score = -1, min_similarity
        for slot in np.flatnonzero(near).tolist():
            score = similarity(detections.appearances[slot].histograms, seed.histograms)
            if score >= best_score:
                best, best_score = slot, score
        if best >= 0:
            track_id = int(detections.track_ids[best])
            picked.append((frame.offset_s, index, track_id, feet[best], detections.appearances[best]))
    run = longest_stay_run(
        [p[0] for p in picked],
        np.asarray([p[3] for p in picked], np.float32).reshape(-1, 2)
        * np.asarray([look.aspect, 1.0], np.float32),
        [True] * len(picked),
        reach,
        max_gap_s,
        Pacing(PACING_FACTOR * reach, _MAX_PACING_STEP_HEIGHTS * height),
    )
    first, last = run or (0, 0)
    if not picked or picked[last][0] - picked[first][0] <= seed.duration_s:
        return seed
    chosen = picked[first : last + 1]
    return Stay(
        tuple(c[2] for c in chosen),
        tuple(c[0] for c in chosen),
        tuple(c[1] for c in chosen),
        np.asarray([c[3] for c in chosen], np.float32),
        tuple(c[4] for c in chosen),
    )


def _shared(a: Stay, b: Stay) -> bool:
    """Most of the shorter stay's detections are the longer one's too."""
    seen_a = set(zip(a.frame_indices, a.track_ids, strict=True))
    seen_b = set(zip(b.frame_indices, b.track_ids, strict=True))
    return len(seen_a & seen_b) * 2 > min(len(seen_a), len(seen_b))
