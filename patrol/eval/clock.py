"""Scenario time for an evaluation: real speed while the patrol looks, a jump while it does not.

Nothing is observed between two looks at a camera, so skipping that time changes nothing the
patrol could know; during a look the stream plays in real time and the clock runs with it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta


class VirtualClock:
    """A `Clock` reading ``start`` plus the scenario seconds elapsed so far."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the start must be an aware datetime")
        self.start = start
        self._lock = threading.Lock()
        self._stopped_at_s = 0.0
        self._running_since: float | None = None  # monotonic time when it last began to run

    @property
    def elapsed_s(self) -> float:
        with self._lock:
            if self._running_since is None:
                return self._stopped_at_s
            return self._stopped_at_s + time.monotonic() - self._running_since

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed_s)

    def jump_to(self, elapsed_s: float) -> None:
        """Skip forward to ``elapsed_s`` scenario seconds; only between looks, never back."""
        with self._lock:
            if self._running_since is not None:
                raise RuntimeError("the clock cannot jump while a look is running")
            if elapsed_s < self._stopped_at_s:
                raise ValueError(f"cannot go back from {self._stopped_at_s:.3f} s to {elapsed_s:.3f} s")
            self._stopped_at_s = elapsed_s

    @contextmanager
    def running(self) -> Iterator[None]:
        """Let scenario time pass at real speed for the duration of the block."""
        with self._lock:
            if self._running_since is not None:
                raise RuntimeError("the clock is already running")
            self._running_since = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                assert self._running_since is not None
                self._stopped_at_s += time.monotonic() - self._running_since
                self._running_since = None


class ShiftedClock:
    """A running clock's elapsed seconds counted from another start: scenarios played at once
    keep their own weekday and time of day, which their rules' windows read."""

    def __init__(self, clock: VirtualClock, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the start must be an aware datetime")
        self._clock = clock
        self.start = start

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self._clock.elapsed_s)


class WallShiftedClock:
    """A scenario's time in another process than the one whose `VirtualClock` runs: the wall
    seconds since `epoch` (the moment that clock began to run, as `time.time()` read it)
    counted from the scenario's start. One machine's wall clock serves every process on it."""

    def __init__(self, start: datetime, epoch: float) -> None:
        if start.tzinfo is None:
            raise ValueError("the start must be an aware datetime")
        self.start = start
        self._epoch = epoch

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.time() - self._epoch)
