"""The configuration tree. Inert data: domain objects are built from it once at start-up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from patrol.types import CameraRole

Identifier = Annotated[
    str,
    Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="Lower-case id: letters, digits, - and _"),
]
UnitFloat = Annotated[float, Field(ge=0.0, le=1.0)]
Point = tuple[UnitFloat, UnitFloat]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALL_DAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeSpanConfig(Section):
    days: tuple[Weekday, ...] = Field(ALL_DAYS, description="Weekdays the span applies to")
    start: str = Field(description="Local start time, HH:MM")
    end: str = Field(description="Local end time, HH:MM (24:00 for midnight)")

    @field_validator("start", "end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _CLOCK_TIME.match(value):
            raise ValueError("expected a time of day as HH:MM, 00:00 to 24:00")
        return value


class LineConfig(Section):
    points: tuple[Point, Point] = Field(description="Two ends of the line, normalized x, y")
    inside: Point = Field(description="Any point on the school side of the line")


class GuardAbsentConfig(Section):
    zone: str = Field(description="Zone where the guard must be")
    min_persons: int = Field(1, ge=1, le=20, description="Persons required in the zone")
    confirm_after_s: float = Field(300, ge=1, le=7200, description="Delay of the confirming look")
    windows: tuple[str, ...] = Field(description="Named duty windows when the rule applies")


class UnregisteredEntryConfig(Section):
    line: str = Field(description="Line a person crosses inward to enter")
    desk_zone: str = Field(description="Zone where visitors must stop to register")
    min_desk_dwell_s: float = Field(3, ge=0.5, le=600, description="Stop at the desk counted as registering")
    min_observed_s: float = Field(
        5, ge=0.5, le=600, description="How long before crossing a person must be seen to be judged"
    )
    windows: tuple[str, ...] = Field(description="Named windows when entries must register")


class LoiteringConfig(Section):
    zone: str = Field(description="Zone outside the gate watched for lingering")
    min_dwell_s: float = Field(8, ge=1, le=3600, description="Stay within one clip that raises suspicion")
    confirm_after_s: float = Field(120, ge=1, le=7200, description="Delay of the confirming look")
    windows: tuple[str, ...] = Field(description="Named windows when the rule applies")


class RulesConfig(Section):
    guard_absent: GuardAbsentConfig | None = None
    unregistered_entry: UnregisteredEntryConfig | None = None
    loitering: LoiteringConfig | None = None


class CameraViewConfig(Section):
    """What a camera's pictures are judged by: zones and lines drawn on its view, its rules, its pace.

    Scenario files for the simulator describe a camera with this same section.
    """

    max_gap_s: float | None = Field(None, ge=10, le=86400, description="Longest time between looks")
    zones: dict[str, tuple[Point, ...]] = Field(
        default_factory=dict, description="Named polygons, at least 3 normalized points each"
    )
    lines: dict[str, LineConfig] = Field(default_factory=dict)
    rules: RulesConfig = Field(default_factory=RulesConfig)

    @field_validator("zones")
    @classmethod
    def _polygons_have_area(cls, zones: dict[str, tuple[Point, ...]]) -> dict[str, tuple[Point, ...]]:
        for name, points in zones.items():
            if len(points) < 3:
                raise ValueError(f"zone {name!r} needs at least 3 points, got {len(points)}")
        return zones


class CameraConfig(CameraViewConfig):
    id: Identifier
    school: str = Field(description="Id of the school the camera belongs to")
    name: str = Field(min_length=1, max_length=200)
    role: CameraRole
    stream: SecretStr = Field(description="RTSP URL; put credentials in ${ENV} placeholders")


class SchoolConfig(Section):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)


class DetectorConfig(Section):
    model: str = Field("person-fall-v8", description="Model name in the manifest of models_dir")
    models_dir: Path = Field(Path("models"), description="Folder with manifest.yaml and weight files")
    confidence: float = Field(0.35, gt=0, lt=1, description="Minimum detection score")
    device: str = Field("cpu", description="Torch device: cpu, cuda:0, ...")


class SamplingConfig(Section):
    workers: int = Field(2, ge=1, le=256, description="Looks run at the same time, in all")
    max_streams_per_school: int = Field(2, ge=1, le=64, description="Concurrent looks at one school")
    default_max_gap_s: float = Field(1800, ge=10, le=86400)
    mean_gap_fraction: float = Field(
        0.4, gt=0.05, le=1, description="Mean gap between looks as a share of the maximum gap"
    )
    open_timeout_s: float = Field(8, gt=0, le=120, description="Bound on connecting and the first picture")
    read_timeout_s: float = Field(5, gt=0, le=120, description="Bound on each later read")
    clip_s: float = Field(10, ge=1, le=60, description="Clip length for motion rules")
    clip_fps: float = Field(3, ge=0.5, le=15, description="Frames analysed per second of clip")


class ApiConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)


class SimulatorConfig(Section):
    port: int = Field(8554, ge=1, le=65535)
    username: str = "patrol"
    password: SecretStr
    paths: dict[str, str] = Field(description="RTSP path -> scenario name")


class PatrolConfig(Section):
    timezone: str = Field("Asia/Shanghai", description="IANA zone of the schools' clocks")
    data_dir: Path = Field(Path("data"), description="Database, evidence files and caches")
    database_url: SecretStr | None = Field(None, description="Default: SQLite under data_dir")
    api: ApiConfig = Field(default_factory=ApiConfig)
    detector: DetectorConfig = Field(default_factory=DetectorConfig)
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    windows: dict[str, tuple[TimeSpanConfig, ...]] = Field(default_factory=dict)
    schools: tuple[SchoolConfig, ...]
    cameras: tuple[CameraConfig, ...]
    simulator: SimulatorConfig | None = None
