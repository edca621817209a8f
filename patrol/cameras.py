"""Cameras as the patrol uses them: a frame source, rules with their state, and a pace."""

from __future__ import annotations

from dataclasses import dataclass, field

from patrol.config.schema import CameraConfig, PatrolConfig
from patrol.config.secrets import config_secrets
from patrol.evidence import CameraDrawing
from patrol.geometry import DirectedLine, Polygon
from patrol.health import CameraHealth, HealthThresholds
from patrol.planner import CameraPace
from patrol.records import CameraRecord, SchoolRecord
from patrol.rules import Rule
from patrol.rules.build import build_rules
from patrol.types import CameraRole
from streams.redact import Secrets
from streams.rtsp import RtspSource
from streams.source import FrameSource


@dataclass
class PatrolCamera:
    id: str
    school_id: str
    name: str
    role: CameraRole
    source: FrameSource
    rules: list[Rule]
    drawing: CameraDrawing
    pace: CameraPace
    health: CameraHealth = field(default_factory=CameraHealth)
    # Which definition of an imported camera this is (patrol.registry.directory); "" for the
    # config's cameras, which change only with the file.
    revision: str = ""

    def record(self) -> CameraRecord:
        return CameraRecord(self.id, self.school_id, self.name, self.role, self.source.describe())


def build_camera(
    config: PatrolConfig,
    camera: CameraConfig,
    timetable: str | None = None,
    secrets: Secrets | None = None,
    revision: str = "",
) -> PatrolCamera:
    """`secrets`: the config's (`config_secrets`), passed in when building many cameras."""
    sampling = config.sampling
    source = RtspSource(
        camera.stream.get_secret_value(),
        open_timeout_s=sampling.open_timeout_s,
        read_timeout_s=sampling.read_timeout_s,
        secrets=config_secrets(config) if secrets is None else secrets,
    )
    drawing = CameraDrawing(
        zones=[Polygon.of(name, points) for name, points in camera.zones.items()],
        lines=[DirectedLine.of(name, line.points, line.inside) for name, line in camera.lines.items()],
    )
    timetable = timetable or timetable_of(config, camera.school)
    pace = CameraPace(camera.id, camera.school, camera.role, timetable, camera.max_gap_s)
    thresholds = HealthThresholds(**config.health.model_dump())
    return PatrolCamera(
        camera.id,
        camera.school,
        camera.name,
        camera.role,
        source,
        build_rules(config, camera),
        drawing,
        pace,
        CameraHealth(thresholds),
        revision,
    )


def timetable_of(config: PatrolConfig, school_id: str) -> str:
    for school in config.schools:
        if school.id == school_id and school.timetable is not None:
            return school.timetable
    return config.calendar.default_timetable


def build_sites(config: PatrolConfig) -> tuple[list[SchoolRecord], list[PatrolCamera]]:
    schools = [SchoolRecord(school.id, school.name) for school in config.schools]
    timetables = {
        school.id: school.timetable or config.calendar.default_timetable for school in config.schools
    }
    secrets = config_secrets(config)
    return schools, [
        build_camera(config, camera, timetables.get(camera.school), secrets) for camera in config.cameras
    ]
