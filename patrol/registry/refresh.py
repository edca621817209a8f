"""The imported cameras read again every `registry.refresh_s` while the patrol runs, and what
changed handed to the parts that use cameras (the patrol's plan, a worker's cameras, the
officers' snapshots)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from patrol.config.schema import PatrolConfig
from patrol.logs import update_masking
from patrol.registry.directory import CameraChanges, CameraDirectory
from streams.redact import Secrets

log = logging.getLogger(__name__)

# Ids named in the log line of one refresh; a county's import names its count only.
_IDS_LOGGED = 10


class CameraUser(Protocol):
    def apply_camera_changes(self, changes: CameraChanges) -> None: ...


class CameraRefresh:
    def __init__(
        self,
        directory: CameraDirectory,
        users: Sequence[CameraUser],
        *,
        every_s: float,
        on_secrets: Callable[[Secrets], None] | None = None,
    ) -> None:
        """`on_secrets` gets every secret the cameras hold whenever new ones come (the log's
        masking), before anything about the new cameras is logged."""
        self._directory = directory
        self._users = list(users)
        self._every_s = every_s
        self._on_secrets = on_secrets
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # One refresh at a time, read and applied: a worker thread that asks for one while
        # another runs waits for its cameras rather than finding nothing new.
        self._running = threading.Lock()

    @property
    def refreshed_at(self) -> float:
        """When the database was last read (epoch seconds)."""
        return self._directory.refreshed_at

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the camera refresh is already running")
        self._thread = threading.Thread(target=self._loop, name="camera-refresh", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def run_once(self) -> CameraChanges:
        with self._running:
            return self._refresh()

    def _refresh(self) -> CameraChanges:
        changes = self._directory.refresh()
        if changes.secrets is not None and self._on_secrets is not None:
            self._on_secrets(changes.secrets)
        if not changes:
            return changes
        for user in self._users:
            user.apply_camera_changes(changes)
        log.info(
            "imported cameras changed: %d added%s, %d changed%s, %d removed%s",
            len(changes.added),
            _ids(camera.id for camera in changes.added),
            len(changes.changed),
            _ids(camera.id for camera in changes.changed),
            len(changes.removed),
            _ids(changes.removed),
        )
        return changes

    def _loop(self) -> None:
        while not self._stopping.wait(self._every_s):
            try:
                self.run_once()
            except Exception as exc:
                # The cameras known stay as they are; the next read tries again. A database
                # that is away says only that; anything else is a bug and shows its trace.
                log.warning(
                    "cannot refresh the imported cameras: %s",
                    type(exc).__name__,
                    exc_info=not isinstance(exc, SQLAlchemyError),
                )


def _ids(ids: Iterable[str]) -> str:
    listed = sorted(ids)
    if not listed or len(listed) > _IDS_LOGGED:
        return ""
    return f" ({', '.join(listed)})"


def start_camera_refresh(
    config: PatrolConfig, directory: CameraDirectory, users: Sequence[CameraUser]
) -> CameraRefresh:
    """Every `registry.refresh_s`, the imported cameras' changes go to `users`; the log masks
    the passwords of new ones before it names them."""
    refresh = CameraRefresh(directory, users, every_s=config.registry.refresh_s, on_secrets=update_masking)
    refresh.start()
    log.info("imported cameras are read again every %.0f s", config.registry.refresh_s)
    return refresh
