"""PostgreSQL advisory locks: one active planner, and one look at a time per camera across workers.

A lock lives as long as the connection that took it, so a process killed with -9 lets go of
its locks the moment PostgreSQL sees the connection close."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

_PLANNER_KEY = "patrol:planner"


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PlannerLease:
    """Held by the active planner; a standby waits for it."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "postgresql":
            raise SystemExit("patrol planner needs PostgreSQL (database_url): it is elected by a lock there")
        self._engine = engine
        self._connection: Connection | None = None

    def wait(self, stopping: threading.Event, poll_s: float = 1.0) -> bool:
        """Blocks until this process holds the lease (True) or `stopping` is set (False)."""
        while not stopping.is_set():
            connection = self._engine.connect()
            held = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": _key(_PLANNER_KEY)})
            connection.commit()
            if held:
                self._connection = connection
                return True
            connection.close()
            stopping.wait(poll_s)
        return False

    def still_held(self) -> bool:
        """False once the lease's connection is gone (the database restarted): another may hold it."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except Exception:
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


@contextmanager
def camera_lock(engine: Engine, camera_id: str, wait_s: float) -> Iterator[bool]:
    """Yields True while this look holds the camera, False when another look kept it for `wait_s`.

    SQLite is one process's database: its patrol never looks at one camera twice at once."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = _key(f"patrol:camera:{camera_id}")
    with engine.connect() as connection:
        deadline = time.monotonic() + wait_s
        while True:
            held = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
            connection.commit()
            if held or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        try:
            yield bool(held)
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
