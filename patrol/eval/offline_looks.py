"""The pictures a look at a simulated camera gets, decoded straight from its encoded timeline.

No RTSP server and no real-time wait: what a look would receive is worked out from the
cached access units. The server sends frame ``floor(s * fps) mod frames`` at scenario second
``s`` (streams/simulator/rtsp_server.py); a look's snapshot is the first keyframe it receives
and its clip the frames after it, paced by timestamp exactly as ``streams.rtsp`` paces them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from streams.simulator.encode import AccessUnit, cached_loop, read_access_units
from streams.simulator.scenarios import Scenario
from streams.types import Frame, paced_clip


@dataclass(frozen=True)
class TimelineSnapshot:
    tick: int  # frames since scenario second 0, not wrapped at the end of the timeline
    at_s: float  # the scenario second it shows
    frame: Frame


class EncodedTimeline:
    """A scenario's encoded frames, replayed in a loop as the simulated camera replays them."""

    def __init__(self, units: Sequence[AccessUnit], fps: int) -> None:
        if not units or not units[0].keyframe:
            raise ValueError("an encoded timeline must start with a keyframe")
        self._units = units
        self.fps = fps

    @classmethod
    def of(cls, scenario: Scenario, cache_dir: Path) -> EncodedTimeline:
        """The scenario's timeline from the cache, encoded into it first when missing."""
        return cls(read_access_units(cached_loop(scenario, cache_dir)), scenario.camera.fps)

    def snapshot(self, offset_s: float) -> TimelineSnapshot:
        """The first keyframe sent at or after scenario second `offset_s`."""
        # A hair below the exact instant: 2.3 * 10 is 22.999..., and frame 23 is due then.
        tick = math.ceil(offset_s * self.fps - 1e-6)
        while not self._unit(tick).keyframe:
            tick += 1
        frame = next(self._decoded(tick))[1]
        return TimelineSnapshot(tick, tick / self.fps, Frame(frame.to_ndarray(format="bgr24"), 0.0))

    def clip(self, snapshot: TimelineSnapshot, duration_s: float, fps: float) -> list[Frame]:
        """The clip a look takes after this snapshot: `duration_s` of frames paced to `fps`."""
        after = itertools.islice(self._decoded(snapshot.tick), 1, None)
        return paced_clip(((i / self.fps, frame) for i, frame in after), duration_s, fps)

    def _unit(self, tick: int) -> AccessUnit:
        return self._units[tick % len(self._units)]

    def _decoded(self, keyframe_tick: int) -> Iterator[tuple[int, Any]]:
        """(frames after the keyframe, decoded frame) from a keyframe on, wrapping as the server does."""
        codec = av.CodecContext.create("h264", "r")
        for tick in itertools.count(keyframe_tick):
            packet = av.Packet(self._unit(tick).data)
            # The count rides on the pts, so a decoder that held frames back could not shift them.
            packet.pts = tick - keyframe_tick
            for frame in codec.decode(packet):
                assert frame.pts is not None  # every packet fed in carries one
                yield frame.pts, frame
