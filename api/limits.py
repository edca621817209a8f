"""What one user may cost the cameras and this server: "look now" pictures per minute, live
feeds held open at once, on-demand patrols per school. Over a limit the answer is 429 with
Retry-After (see api.errors).

The counts live in this process: they bound what one API server lets through. The stream slots
(one stream per camera, `max_streams_per_school` per school) are the patrol's own when it runs
in this process, so snapshots and patrol looks together stay within them.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime, timedelta

from patrol.stream_slots import StreamSlots


class TooMany(Exception):
    """A limit is reached; the request may be tried again after `retry_after_s`."""

    def __init__(self, detail: str, retry_after_s: float) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after_s = max(1, math.ceil(retry_after_s))


class RateWindow:
    """At most `allowed` takes per key in any `window` (a sliding window of take times)."""

    def __init__(self, allowed: int, window: timedelta, what: str) -> None:
        self.allowed = allowed
        self.window = window
        self.what = what
        self._lock = threading.Lock()
        self._taken: dict[str, deque[datetime]] = {}

    def take(self, key: str, now: datetime) -> None:
        with self._lock:
            taken = self._taken.setdefault(key, deque())
            while taken and taken[0] <= now - self.window:
                taken.popleft()
            if len(taken) >= self.allowed:
                wait = taken[0] + self.window - now
                raise TooMany(
                    f"at most {self.allowed} {self.what} in {self.window.total_seconds():.0f} s",
                    wait.total_seconds(),
                )
            taken.append(now)


class Concurrency:
    """At most `allowed` held at once per key."""

    def __init__(self, allowed: int, what: str, retry_after_s: float) -> None:
        self.allowed = allowed
        self.what = what
        self.retry_after_s = retry_after_s
        self._lock = threading.Lock()
        self._held: dict[str, int] = {}

    def enter(self, key: str) -> None:
        with self._lock:
            if self._held.get(key, 0) >= self.allowed:
                raise TooMany(f"at most {self.allowed} {self.what} at once", self.retry_after_s)
            self._held[key] = self._held.get(key, 0) + 1

    def leave(self, key: str) -> None:
        with self._lock:
            self._held[key] -= 1
            if not self._held[key]:
                del self._held[key]


class ApiLimits:
    def __init__(
        self,
        *,
        snapshots_per_user_per_minute: int,
        live_feeds_per_user: int,
        stream_slots: StreamSlots,
    ) -> None:
        self.snapshots = RateWindow(
            snapshots_per_user_per_minute, timedelta(minutes=1), '"look now" pictures'
        )
        self.live_feeds = Concurrency(live_feeds_per_user, "live feeds per user", retry_after_s=30)
        self.stream_slots = stream_slots
        # Checking a school's last on-demand patrol and recording the next is one step.
        self.on_demand = threading.Lock()
