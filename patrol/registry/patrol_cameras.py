"""At start, the imported cameras join the config's: the patrol, the snapshots and the masking of
secrets then treat them as the config's own cameras.

Each needs its environment variables set, as the config's `${VAR}` placeholders do; a camera
that cannot be built stops the start with every problem listed, like a bad config. While the
patrol runs, `patrol.registry.directory` builds each imported camera the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from patrol.config.checks import camera_names_defined
from patrol.config.issues import ConfigIssue
from patrol.config.load import ConfigError
from patrol.config.schema import CameraConfig, PatrolConfig
from patrol.records import ImportedCameraRecord
from patrol.registry.stream_address import patrol_address

log = logging.getLogger(__name__)
SOURCE = "imported cameras (database)"


def with_imported_cameras(
    config: PatrolConfig, imported: Sequence[ImportedCameraRecord], environ: Mapping[str, str]
) -> PatrolConfig:
    """The config with `imported` added to its cameras. A camera the config itself holds keeps
    the config's definition."""
    own = {camera.id for camera in config.cameras}
    cameras: list[CameraConfig] = []
    issues: list[ConfigIssue] = []
    taken: list[str] = []
    for record in imported:
        if record.camera.id in own:
            log.warning(
                "camera %s is in the config and was imported too; the config's is used", record.camera.id
            )
            continue
        built = imported_camera_config(record, config, environ)
        issues.extend(built.issues)
        if built.camera is not None:
            cameras.append(built.camera)
            taken.extend(built.secrets)
    if issues:
        raise ConfigError(SOURCE, issues)
    if not cameras:
        return config
    merged = config.model_copy(update={"cameras": (*config.cameras, *cameras)})
    merged.remember_environment_values(config.environment_values | frozenset(taken))
    return merged


@dataclass(frozen=True)
class ImportedCameraConfig:
    """An imported camera as the config would write it, or the problems that stop it."""

    camera: CameraConfig | None
    issues: tuple[ConfigIssue, ...]
    secrets: tuple[str, ...]  # what its address took from the environment


def imported_camera_config(
    record: ImportedCameraRecord, config: PatrolConfig, environ: Mapping[str, str]
) -> ImportedCameraConfig:
    camera = record.camera
    where = f"cameras -> {camera.id}"
    try:
        address = patrol_address(record.stream, record.username, record.credentials, environ)
    except KeyError as missing:
        issue = ConfigIssue(f"{where} -> stream", f"environment variable {missing.args[0]} is not set")
        return ImportedCameraConfig(None, (issue,), ())
    issues = [
        ConfigIssue(f"{where} -> {issue.path}", issue.message, issue.value, issue.has_value)
        for issue in camera_names_defined(record.view, (), record.view, config.windows)
    ]
    fields: dict[str, Any] = {
        **record.view,
        "id": camera.id,
        "school": camera.school_id,
        "name": camera.name,
        "role": camera.role.value,
        "stream": address.url,
    }
    try:
        built = CameraConfig.model_validate(fields)
    except ValidationError as exc:
        for error in exc.errors():
            path = " -> ".join(str(part) for part in error["loc"])
            issues.append(ConfigIssue(f"{where} -> {path}", error["msg"]))
        return ImportedCameraConfig(None, tuple(issues), ())
    if issues:
        return ImportedCameraConfig(None, tuple(issues), ())
    return ImportedCameraConfig(built, (), tuple(address.secrets))
