"""A fresh picture of one camera for the officer ("look now"), bounded by the camera's timeouts."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

import cv2

from patrol.config.schema import PatrolConfig
from patrol.config.secrets import config_secrets
from streams.errors import StreamDecodeError
from streams.rtsp import RtspSource
from streams.source import FrameSource

if TYPE_CHECKING:
    from patrol.registry.directory import CameraChanges

JPEG_QUALITY = 85


class UnknownCamera(LookupError):
    pass


class CameraSnapshots:
    """Opens the camera's source, takes its first keyframe, and encodes it as a JPEG.

    Raises StreamError subclasses (StreamTimeout for a camera that does not answer in time).
    """

    def __init__(self, sources: Mapping[str, FrameSource]) -> None:
        self._sources = dict(sources)
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: PatrolConfig) -> CameraSnapshots:
        sampling = config.sampling
        secrets = config_secrets(config)
        return cls(
            {
                camera.id: RtspSource(
                    camera.stream.get_secret_value(),
                    open_timeout_s=sampling.open_timeout_s,
                    read_timeout_s=sampling.read_timeout_s,
                    secrets=secrets,
                )
                for camera in config.cameras
            }
        )

    def apply_camera_changes(self, changes: CameraChanges) -> None:
        """Imported cameras changed while the server runs: snapshots follow their streams."""
        with self._lock:
            for camera_id in changes.removed:
                self._sources.pop(camera_id, None)
            for camera in (*changes.added, *changes.changed):
                self._sources[camera.id] = camera.source

    def snapshot(self, camera_id: str) -> bytes:
        with self._lock:
            source = self._sources.get(camera_id)
        if source is None:
            raise UnknownCamera(camera_id)
        with source.open() as stream:
            frame = stream.keyframe()
        ok, encoded = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise StreamDecodeError(f"{source.describe()}: the picture could not be encoded")
        return bytes(encoded.tobytes())
