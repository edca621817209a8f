"""RTSP cameras read with PyAV: low-latency open, keyframe-only snapshot, short clips, hard timeouts.

PyAV rather than OpenCV: OpenCV serializes every open behind one global lock, PyAV does not.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import av
import av.error

from streams.errors import (
    StreamAuthRefused,
    StreamDecodeError,
    StreamError,
    StreamTimeout,
    StreamUnreachable,
)
from streams.redact import NO_SECRETS, Secrets, redact_url
from streams.types import Frame, paced_frames

# analyzeduration=0 and a tiny probesize cut the time to first frame to about half a GOP;
# TCP interleaving avoids lost UDP packets on thin school uplinks.
_LOW_LATENCY_OPTIONS = {"rtsp_transport": "tcp", "analyzeduration": "0", "probesize": "32"}


@dataclass(frozen=True)
class RtspSource:
    url: str = field(repr=False)  # with its password: `describe()` is what may be shown
    open_timeout_s: float = 8.0
    read_timeout_s: float = 5.0
    # The configuration's secrets: a password in the URL's path or query is masked by value too.
    secrets: Secrets = NO_SECRETS

    def describe(self) -> str:
        return self.secrets.mask(redact_url(self.url))

    @contextmanager
    def open(self) -> Iterator[_RtspStream]:
        started = time.monotonic()
        try:
            container = av.open(
                self.url,
                options=_LOW_LATENCY_OPTIONS,
                timeout=(self.open_timeout_s, self.read_timeout_s),
            )
        except Exception as exc:
            timed_out = time.monotonic() - started >= self.open_timeout_s * 0.95
            raise _translate(exc, self.describe(), self.open_timeout_s, timed_out) from None
        try:
            if not container.streams.video:
                raise StreamDecodeError(f"{self.describe()}: no video stream")
            yield _RtspStream(container, self.describe(), started, self.open_timeout_s, self.read_timeout_s)
        finally:
            container.close()


class _RtspStream:
    def __init__(
        self, container: Any, described: str, started: float, open_timeout_s: float, read_timeout_s: float
    ) -> None:
        self._container = container
        self._stream = container.streams.video[0]
        self._described = described
        self._started = started
        self._open_timeout_s = open_timeout_s
        self._read_timeout_s = read_timeout_s
        self._snapshot_pts_s: float | None = None
        self._snapshot_taken = False

    def keyframe(self) -> Frame:
        # Decoding only keyframes makes a snapshot cost one picture, not a GOP of them.
        self._stream.codec_context.skip_frame = "NONKEY"
        deadline = self._started + self._open_timeout_s
        for frame in self._frames(deadline, "the first picture"):
            self._snapshot_taken = True
            # RTSP often leaves the very first picture without a timestamp.
            self._snapshot_pts_s = _seconds(frame)
            return Frame(frame.to_ndarray(format="bgr24"), 0.0)
        raise StreamTimeout(f"{self._described}: the stream ended before a picture")

    def clip(self, duration_s: float, fps: float) -> Iterator[Frame]:
        if not self._snapshot_taken:
            self.keyframe()
        self._stream.codec_context.skip_frame = "DEFAULT"
        deadline = time.monotonic() + duration_s + self._read_timeout_s
        return paced_frames(
            self._offsets(self._frames(deadline, f"a {duration_s:g} s clip")), duration_s, fps
        )

    def _offsets(self, frames: Iterator[Any]) -> Iterator[tuple[float, Any]]:
        for frame in frames:
            pts_s = _seconds(frame)
            if pts_s is None:
                continue
            if self._snapshot_pts_s is None:
                # The first clip frame is the one right after the snapshot in the stream.
                self._snapshot_pts_s = pts_s - self._frame_interval_s()
            yield pts_s - self._snapshot_pts_s, frame

    def _frame_interval_s(self) -> float:
        rate = self._stream.guessed_rate or self._stream.average_rate
        return 1.0 / float(rate) if rate else 0.1

    def _frames(self, deadline: float, wanted: str) -> Iterator[Any]:
        try:
            for packet in self._container.demux(self._stream):
                if time.monotonic() > deadline:
                    break
                yield from packet.decode()
        except StreamError:
            raise
        except Exception as exc:
            raise _translate(
                exc, self._described, self._read_timeout_s, time.monotonic() > deadline
            ) from None
        if time.monotonic() > deadline:
            raise StreamTimeout(f"{self._described}: {wanted} did not arrive within the timeout")


def _seconds(frame: Any) -> float | None:
    if frame.pts is None or frame.time_base is None:
        return None
    return float(frame.pts * frame.time_base)


def _translate(exc: Exception, described: str, timeout_s: float, timed_out: bool) -> StreamError:
    """Map PyAV's errors to ours. The original message is dropped: it carries the URL with its password.

    FFmpeg reports an interrupted RTSP handshake as invalid data, so time decides what it was.
    """
    if timed_out:
        return StreamTimeout(f"{described}: no answer within {timeout_s:g} s")
    if isinstance(exc, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        return StreamAuthRefused(f"{described}: the camera refused the credentials")
    if isinstance(exc, av.error.ExitError | av.error.TimeoutError | TimeoutError):
        return StreamTimeout(f"{described}: no answer within {timeout_s:g} s")
    if isinstance(exc, av.error.ConnectionRefusedError | ConnectionRefusedError):
        return StreamUnreachable(f"{described}: connection refused")
    if isinstance(exc, av.error.InvalidDataError):
        return StreamDecodeError(f"{described}: the camera sent data that is not a picture")
    if isinstance(exc, OSError):
        return StreamUnreachable(f"{described}: {type(exc).__name__} (errno {exc.errno})")
    return StreamError(f"{described}: {type(exc).__name__}")
