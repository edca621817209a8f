"""Links persons across the frames of one clip into tracks.

Clips are sampled at a few frames per second, so boxes of a walking person barely overlap
from one frame to the next; matching uses the distance between box centres relative to the
person's height, which stays meaningful at low frame rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from detectors.types import Detections


@dataclass
class _Track:
    track_id: int
    centre: NDArray[np.float32]
    height: float
    last_time: float
    velocity: NDArray[np.float32] = field(default_factory=lambda: np.zeros(2, np.float32))


@dataclass
class ClipTracker:
    """Greedy nearest-centre association with a constant-velocity guess between frames."""

    # A match may miss the guess by this much, in person heights: a base for detector
    # jitter plus a share per second for changes of pace and direction.
    base_gate_heights: float = 0.5
    gate_heights_per_s: float = 0.5
    max_gap_s: float = 2.0  # a track unseen for longer ends
    _tracks: list[_Track] = field(default_factory=list)
    _next_id: int = 1

    def update(self, detections: Detections, time_s: float) -> Detections:
        centres = (detections.boxes[:, 0:2] + detections.boxes[:, 2:4]) / 2
        heights = detections.boxes[:, 3] - detections.boxes[:, 1]
        self._tracks = [t for t in self._tracks if self._alive(t, time_s)]
        assigned = np.full(len(detections), -1, np.int32)
        pairs = []
        for ti, track in enumerate(self._tracks):
            dt = max(time_s - track.last_time, 1e-3)
            guess = track.centre + track.velocity * dt
            gate = self.base_gate_heights + self.gate_heights_per_s * dt
            for di in range(len(detections)):
                scale = max(track.height, float(heights[di]), 1e-3)
                distance = float(np.linalg.norm(centres[di] - guess)) / scale
                if distance <= gate:
                    pairs.append((distance, ti, di))
        used_tracks: set[int] = set()
        for _, ti, di in sorted(pairs):
            if ti in used_tracks or assigned[di] != -1:
                continue
            track = self._tracks[ti]
            dt = max(time_s - track.last_time, 1e-3)
            track.velocity = ((centres[di] - track.centre) / dt).astype(np.float32)
            track.centre, track.height, track.last_time = centres[di], float(heights[di]), time_s
            assigned[di] = track.track_id
            used_tracks.add(ti)
        for di in (int(i) for i in np.flatnonzero(assigned == -1)):
            track = _Track(self._next_id, centres[di], float(heights[di]), time_s)
            self._tracks.append(track)
            assigned[di] = track.track_id
            self._next_id += 1
        return detections.with_track_ids(assigned)

    def _alive(self, track: _Track, time_s: float) -> bool:
        """Unseen too long, or walked out of the picture by its own pace: the track has ended."""
        dt = time_s - track.last_time
        if dt > self.max_gap_s:
            return False
        guess = track.centre + track.velocity * dt
        return bool(np.all((guess >= 0.0) & (guess <= 1.0)))


def track_clip(frames: Sequence[Detections], times_s: Sequence[float]) -> list[Detections]:
    """Track ids for every detection of a clip; ids are unique within the clip."""
    tracker = ClipTracker()
    return [tracker.update(detections, time_s) for detections, time_s in zip(frames, times_s, strict=True)]
