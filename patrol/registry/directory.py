"""The imported cameras while the patrol runs: the database is read again and what changed since
(cameras new, redefined or gone) is handed, built, to the parts that look at cameras.

A camera's definition is fingerprinted (its `revision`): the planner's look orders carry it, so
a worker whose definition differs reads the database again before it looks, and judges the look
with the planner's definition or a newer one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from patrol.cameras import PatrolCamera, build_camera
from patrol.config.schema import CameraConfig, PatrolConfig
from patrol.config.secrets import config_secrets
from patrol.records import ImportedCameraRecord
from patrol.registry.patrol_cameras import imported_camera_config
from streams.redact import NO_SECRETS, Secrets

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CameraChanges:
    added: tuple[PatrolCamera, ...] = ()
    changed: tuple[PatrolCamera, ...] = ()
    removed: tuple[str, ...] = ()
    # Every secret the cameras known now hold, when new ones came with this change.
    secrets: Secrets | None = None

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def revision_of(record: ImportedCameraRecord) -> str:
    """What the patrol builds a camera from, fingerprinted: who imported it and when do not count."""
    camera = record.camera
    definition = {
        "school": camera.school_id,
        "name": camera.name,
        "role": camera.role.value,
        "stream": record.stream,
        "username": record.username,
        "credentials": record.credentials,
        "view": record.view,
    }
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class CameraDirectory:
    """The imported cameras one process knows, and their revisions. Thread-safe."""

    def __init__(
        self,
        file_config: PatrolConfig,
        read: Callable[[], Sequence[ImportedCameraRecord]],
        *,
        environ: Mapping[str, str],
        known: Sequence[ImportedCameraRecord] = (),
        secrets: Secrets = NO_SECRETS,
    ) -> None:
        """`file_config`: the config as its file says. `known`: the imported cameras the process
        started with (read once, so none imported meanwhile is missed); `secrets`: what it masks."""
        self._config = file_config
        self._own = {camera.id for camera in file_config.cameras}
        self._read = read
        self._environ = environ
        self._lock = threading.Lock()
        self._known = {r.camera.id: revision_of(r) for r in known if r.camera.id not in self._own}
        self._refused: dict[str, str] = {}  # camera -> the revision warned about
        self.secrets = secrets
        self.refreshed_at = time.time()  # when the database was last read (epoch seconds)

    def revision(self, camera_id: str) -> str:
        """The revision of the imported camera known here; "" for a config camera or none."""
        return self._known.get(camera_id, "")

    def refresh(self) -> CameraChanges:
        """Read the imported cameras and build those new or redefined since the last read. A
        camera that cannot be built (a variable not set, a view that no longer checks) is
        logged once per definition and left out, or kept as it was if it was known."""
        with self._lock:
            read_at = time.time()
            current = {r.camera.id: r for r in self._read() if r.camera.id not in self._own}
            known: dict[str, str] = {}
            built: list[tuple[CameraConfig, str, bool]] = []
            taken: list[str] = []
            for camera_id, record in current.items():
                revision = revision_of(record)
                if self._known.get(camera_id) == revision:
                    known[camera_id] = revision
                    continue
                camera = imported_camera_config(record, self._config, self._environ)
                if camera.camera is None:
                    self._refuse(camera_id, revision, "; ".join(str(issue) for issue in camera.issues))
                    if camera_id in self._known:
                        known[camera_id] = self._known[camera_id]
                    continue
                self._refused.pop(camera_id, None)
                known[camera_id] = revision
                built.append((camera.camera, revision, camera_id in self._known))
                taken.extend(camera.secrets)
            removed = tuple(sorted(set(self._known) - set(current)))
            for camera_id in set(self._refused) - set(current):
                del self._refused[camera_id]
            self._known = known
            self.refreshed_at = read_at
            if not built:
                return CameraChanges(removed=removed)
            cameras, secrets = self._build(built, taken)
            return CameraChanges(
                added=tuple(
                    camera for camera, (_, _, was_known) in zip(cameras, built, strict=True) if not was_known
                ),
                changed=tuple(
                    camera for camera, (_, _, was_known) in zip(cameras, built, strict=True) if was_known
                ),
                removed=removed,
                secrets=secrets,
            )

    def _build(
        self, built: list[tuple[CameraConfig, str, bool]], taken: list[str]
    ) -> tuple[list[PatrolCamera], Secrets | None]:
        config = self._config.model_copy(
            update={"cameras": (*self._config.cameras, *(camera for camera, _, _ in built))}
        )
        config.remember_environment_values(self._config.environment_values | frozenset(taken))
        secrets = config_secrets(config)
        grown = self.secrets | secrets
        new_secrets = grown if grown.values != self.secrets.values else None
        self.secrets = grown
        cameras = [
            build_camera(config, camera, secrets=secrets, revision=revision) for camera, revision, _ in built
        ]
        return cameras, new_secrets

    def _refuse(self, camera_id: str, revision: str, why: str) -> None:
        if self._refused.get(camera_id) == revision:
            return
        self._refused[camera_id] = revision
        log.warning("imported camera %s cannot join the patrol as stored: %s", camera_id, why)
