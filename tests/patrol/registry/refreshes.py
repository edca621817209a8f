"""When the camera refresh handed the running patrol a camera's change, read from the log line it
writes once the change is applied: looks begun after it judge with the new definition, a look
begun before judges with the one it began with."""

from __future__ import annotations

import time

import pytest

# A look takes its camera's definition just before it notes its start; a thread switch may fall
# between the two.
THREAD_SLACK_S = 1.0


def change_taken(caplog: pytest.LogCaptureFixture, camera_id: str, since: float, within_s: float) -> float:
    """The epoch second of the first refresh after `since` that changed `camera_id`. Needs the
    `patrol.registry.refresh` logger captured at INFO."""
    changed = f"1 changed ({camera_id})"
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        for record in list(caplog.records):
            if record.created >= since and changed in record.getMessage():
                return record.created
        time.sleep(0.2)
    raise AssertionError(f"no refresh took the change of camera {camera_id} within {within_s} s")


def begun_after(taken_at: float, started_at: float) -> bool:
    """Whether a look that started at `started_at` (epoch) surely had the change taken at `taken_at`."""
    return started_at > taken_at + THREAD_SLACK_S
