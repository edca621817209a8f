"""Video files as frame sources, for tests and offline evaluation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from streams.errors import StreamDecodeError, StreamUnreachable
from streams.types import Frame, paced_frames


@dataclass(frozen=True)
class FileSource:
    path: Path
    start_s: float = 0.0

    def describe(self) -> str:
        return f"file {self.path.name}"

    @contextmanager
    def open(self) -> Iterator[_FileStream]:
        try:
            container = av.open(str(self.path))
        except (OSError, av.error.FFmpegError):
            raise StreamUnreachable(f"{self.describe()}: cannot open") from None
        try:
            yield _FileStream(container, self.start_s, self.describe())
        finally:
            container.close()


class _FileStream:
    def __init__(self, container: Any, start_s: float, described: str) -> None:
        self._frames = self._decode(container, start_s)
        self._start_s: float | None = None
        self._described = described

    @staticmethod
    def _decode(container: Any, start_s: float) -> Iterator[tuple[float, Any]]:
        for frame in container.decode(video=0):
            at = float(frame.pts * frame.time_base)
            if at + 1e-6 >= start_s:
                yield at, frame

    def keyframe(self) -> Frame:
        for at, frame in self._frames:
            self._start_s = at
            return Frame(frame.to_ndarray(format="bgr24"), 0.0)
        raise StreamDecodeError(f"{self._described}: no picture after the start time")

    def clip(self, duration_s: float, fps: float) -> Iterator[Frame]:
        if self._start_s is None:
            self.keyframe()
        start_s = self._start_s
        assert start_s is not None
        return paced_frames(((at - start_s, frame) for at, frame in self._frames), duration_s, fps)
