"""Worker machines' detectors in virtual time, for `patrol plan simulate --detector-fps`.

Each machine analyses `fps` frames a second in all and shares them among the looks running on it.
A look's frames arrive while its stream runs (a snapshot's one keyframe, a clip's pictures at the
clip's pace), so while the stream runs a look can be detected no faster than its frames arrive;
after the stream ends its backlog takes whatever share the machine gives it. The look ends when
its stream has ended and its last frame is detected: an overloaded machine stretches every look
on it, which holds the planner's credits longer, so the planner sheds random looks and says so.

The sharing is a fluid model (each machine divides its rate evenly among its looks, a look that
needs less than its share leaves the rest to the others). It does not let a look catch up on a
backlog faster than its frames arrive until its stream has ended, so it slightly overstates the
stretch, never understates it.
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass, field

# Work that would take less than this is done: float noise is not a frame left to detect, and
# clock times near 1.8e9 s cannot step by less than about 2.4e-7 s.
_SLACK_S = 1e-6


@dataclass
class _Running:
    key: int
    started_at: float
    stream_ends_at: float
    remaining: float  # frames not yet detected
    arrival_rate: float  # frames a second while the stream runs
    rate: float = 0.0  # frames a second the machine gives it now

    @property
    def detected(self) -> bool:
        return self.remaining <= max(self.rate, 1.0) * _SLACK_S


@dataclass
class _Machine:
    fps: float
    running: dict[int, _Running] = field(default_factory=dict)
    updated_at: float = 0.0
    version: int = 0  # bumped when its rates change, so stale wake-ups are skipped
    busy_frames: float = 0.0

    def advance(self, now: float) -> None:
        elapsed = now - self.updated_at
        if elapsed > 0:
            for look in self.running.values():
                done = min(look.rate * elapsed, look.remaining)
                look.remaining -= done
                self.busy_frames += done
        self.updated_at = now

    def share(self, now: float) -> None:
        """Water-filling: looks capped by their frames' arrival get what they can use; the rest
        split what is left evenly."""
        looks = sorted(
            self.running.values(),
            key=lambda look: look.arrival_rate if now < look.stream_ends_at else math.inf,
        )
        left, count = self.fps, len(looks)
        for index, look in enumerate(looks):
            cap = look.arrival_rate if now < look.stream_ends_at else math.inf
            look.rate = 0.0 if look.detected else min(cap, left / (count - index))
            left -= look.rate
        self.version += 1

    def next_change(self, now: float) -> float:
        """When a look on this machine next ends its stream or finishes its frames."""
        soonest = math.inf
        for look in self.running.values():
            if now < look.stream_ends_at:
                soonest = min(soonest, look.stream_ends_at)
            elif look.detected:
                soonest = min(soonest, now)
            if look.rate > 0:
                soonest = min(soonest, now + look.remaining / look.rate)
        return soonest


class DetectorPool:
    """`machines` worker machines of `fps` frames a second each; a look goes to the machine running
    the fewest looks, as a free worker slot takes the next message from the broker."""

    def __init__(self, machines: int, fps: float) -> None:
        if machines < 1 or fps <= 0:
            raise ValueError("a detector pool needs at least one machine and a positive frame rate")
        self.fps = fps
        self._machines = [_Machine(fps) for _ in range(machines)]
        self._wakes: list[tuple[float, int, int, int]] = []  # (when, sequence, machine, version)
        self._sequence = itertools.count()
        self._keys = itertools.count()
        self._where: dict[int, int] = {}
        self.frames_started = 0

    @property
    def machines(self) -> int:
        return len(self._machines)

    @property
    def frames_detected(self) -> float:
        return sum(machine.busy_frames for machine in self._machines)

    def start(self, now: float, *, stream_s: float, frames: int) -> int:
        """Start a look whose stream lasts `stream_s` and brings `frames` pictures to detect."""
        index = min(range(len(self._machines)), key=lambda i: len(self._machines[i].running))
        machine = self._machines[index]
        machine.advance(now)
        key = next(self._keys)
        stream_s = max(stream_s, 1e-6)
        machine.running[key] = _Running(key, now, now + stream_s, float(frames), frames / stream_s)
        self._where[key] = index
        self.frames_started += frames
        self._reshare(index, now)
        return key

    def next_event(self) -> float:
        while self._wakes and self._wakes[0][3] != self._machines[self._wakes[0][2]].version:
            heapq.heappop(self._wakes)
        return self._wakes[0][0] if self._wakes else math.inf

    def finished_by(self, now: float) -> list[tuple[int, float, float]]:
        """Looks that ended by `now`: (key, ended at, duration), oldest first."""
        ended: list[tuple[int, float, float]] = []
        while self.next_event() <= now:
            when, _, index, _ = heapq.heappop(self._wakes)
            machine = self._machines[index]
            machine.advance(when)
            for key, look in list(machine.running.items()):
                if when >= look.stream_ends_at and look.detected:
                    del machine.running[key]
                    del self._where[key]
                    ended.append((key, when, when - look.started_at))
            self._reshare(index, when)
        return ended

    def _reshare(self, index: int, now: float) -> None:
        machine = self._machines[index]
        machine.share(now)
        wake = machine.next_change(now)
        if wake < math.inf:
            heapq.heappush(self._wakes, (wake, next(self._sequence), index, machine.version))
