"""The streams open now, whoever opened them: one per camera, at most `per_school` per school.

The patrol's looks and the officers' "look now" snapshots both take their slot here, so together
they never open two streams to one camera, nor more at one school than its thin uplink allows
(`sampling.max_streams_per_school`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class NoFreeSlot(Exception):
    """The camera is already streaming, or its school has `per_school` streams open."""


class StreamSlots:
    def __init__(self, per_school: int) -> None:
        if per_school < 1:
            raise ValueError(f"per_school must be at least 1, got {per_school}")
        self.per_school = per_school
        self._lock = threading.Lock()
        self._cameras: set[str] = set()
        self._schools: dict[str, int] = {}

    def try_take(self, camera_id: str, school_id: str) -> bool:
        with self._lock:
            if camera_id in self._cameras or self._schools.get(school_id, 0) >= self.per_school:
                return False
            self._cameras.add(camera_id)
            self._schools[school_id] = self._schools.get(school_id, 0) + 1
            return True

    def release(self, camera_id: str, school_id: str) -> None:
        with self._lock:
            if camera_id not in self._cameras:
                raise RuntimeError(f"camera {camera_id} holds no stream slot")
            self._cameras.discard(camera_id)
            self._schools[school_id] -= 1

    def has_room(self, school_id: str) -> bool:
        with self._lock:
            return self._schools.get(school_id, 0) < self.per_school

    def open_at(self, school_id: str) -> int:
        with self._lock:
            return self._schools.get(school_id, 0)

    @contextmanager
    def holding(self, camera_id: str, school_id: str) -> Iterator[None]:
        """The camera's slot for the block; NoFreeSlot at once if there is none."""
        if not self.try_take(camera_id, school_id):
            raise NoFreeSlot(f"camera {camera_id} or its school {school_id} has no free stream")
        try:
            yield
        finally:
            self.release(camera_id, school_id)
