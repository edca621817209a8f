"""Frames as streams deliver them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Frame:
    """One decoded picture (BGR, as OpenCV draws) and its offset from the start of the look."""

    image: NDArray[np.uint8]
    offset_s: float

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


class FramePacer:
    """Keeps about `fps` frames a second out of a denser stream, judged by presentation time."""

    def __init__(self, fps: float) -> None:
        self._step = 1.0 / fps
        self._next = self._step

    def take(self, offset_s: float) -> bool:
        # Timestamps jitter by a millisecond or so around the ideal instants.
        nudged = offset_s + 1e-3
        if nudged < self._next:
            return False
        self._next = (int(nudged / self._step) + 1) * self._step
        return True


def paced_frames(timed_frames: Iterable[tuple[float, Any]], duration_s: float, fps: float) -> Iterator[Frame]:
    """Decoded frames as (offset after the snapshot, PyAV frame) -> pictures at about `fps`,
    each yielded as soon as it is decoded."""
    pacer = FramePacer(fps)
    for offset, frame in timed_frames:
        if offset >= duration_s:
            return
        if pacer.take(offset):
            yield Frame(frame.to_ndarray(format="bgr24"), offset)


def paced_clip(timed_frames: Iterable[tuple[float, Any]], duration_s: float, fps: float) -> list[Frame]:
    """`paced_frames`, all of them."""
    return list(paced_frames(timed_frames, duration_s, fps))
