"""What a look needs from any source: a snapshot, then optionally a short clip."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol

from streams.types import Frame


class OpenStream(Protocol):
    def keyframe(self) -> Frame:
        """The first complete picture: a snapshot."""

    def clip(self, duration_s: float, fps: float) -> Iterator[Frame]:
        """Pictures at about `fps` for `duration_s` after the snapshot, offsets from the snapshot,
        each as it arrives (a camera sends them in real time)."""


class FrameSource(Protocol):
    """A camera or a file. `describe()` is safe to log: it never includes credentials."""

    def open(self) -> AbstractContextManager[OpenStream]: ...

    def describe(self) -> str: ...
