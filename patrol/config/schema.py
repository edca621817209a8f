"""The configuration tree. Inert data: domain objects are built from it once at start-up."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    create_model,
    field_validator,
    model_validator,
)

from patrol.rules.base import RuleConfig
from patrol.rules.registry import RULES
from patrol.rules.spec import ConfigT, RuleSpec
from patrol.types import CameraRole

Identifier = Annotated[
    str,
    Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="Lower-case id: letters, digits, - and _"),
]
UnitFloat = Annotated[float, Field(ge=0.0, le=1.0)]
Point = tuple[UnitFloat, UnitFloat]


def _has_area(points: tuple[Point, ...]) -> tuple[Point, ...]:
    if len(points) < 3:
        raise ValueError(f"a zone needs at least 3 points, got {len(points)}")
    return points


# Checked zone by zone, so a refusal names the zone: `zones -> booth`.
Polygon = Annotated[tuple[Point, ...], AfterValidator(_has_area)]
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


def clock_minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class LineConfig(Section):
    points: tuple[Point, Point] = Field(description="Two ends of the line, normalized x, y")
    inside: Point = Field(description="Any point on the school side of the line")


class RulesSection(Section):
    """A camera's rules: one optional section per registered rule, named after it."""

    def configured(self) -> list[tuple[RuleSpec[Any, Any], RuleConfig]]:
        """The registered rules this camera runs, with their config, in the registry's order."""
        found = [(spec, getattr(self, spec.name)) for spec in RULES]
        return [(spec, config) for spec, config in found if config is not None]

    def of(self, spec: RuleSpec[ConfigT, Any]) -> ConfigT | None:
        """One rule's config, typed as that rule declares it; None where the camera lacks it."""
        config = getattr(self, spec.name)
        return config if isinstance(config, spec.config) else None


_RulesConfig = create_model(
    "RulesConfig",
    __base__=RulesSection,
    **{
        spec.name: (spec.config | None, Field(None, description=f"{spec.label[1]} ({spec.label[0]})"))
        for spec in RULES
    },  # type: ignore[call-overload]
)
if TYPE_CHECKING:
    RulesConfig = RulesSection
else:
    RulesConfig = _RulesConfig


class CameraViewConfig(Section):
    """What a camera's pictures are judged by: zones and lines drawn on its view, its rules, its pace.

    Scenario files for the simulator describe a camera with this same section.
    """

    max_gap_s: float | None = Field(
        None, ge=10, le=86400, description="Tightens every timetable window's maximum gap for this camera"
    )
    zones: dict[str, Polygon] = Field(
        default_factory=dict, description="Named polygons, at least 3 normalized points each"
    )
    lines: dict[str, LineConfig] = Field(default_factory=dict)
    rules: RulesConfig = Field(default_factory=RulesConfig)


class CameraConfig(CameraViewConfig):
    id: Identifier
    school: str = Field(description="Id of the school the camera belongs to")
    name: str = Field(min_length=1, max_length=200)
    role: CameraRole
    stream: SecretStr = Field(description="RTSP URL; put credentials in ${ENV} placeholders")


class SchoolConfig(Section):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    timetable: str | None = Field(None, description="Name under calendar.timetables; default: its default")


class DetectorConfig(Section):
    model: str = Field("person-fall-v8", description="Model name in the manifest of models_dir")
    models_dir: Path = Field(Path("models"), description="Folder with manifest.yaml and weight files")
    confidence: float = Field(0.35, gt=0, lt=1, description="Minimum detection score")
    backend: str = Field(
        "auto",
        description="Runtime that runs the model (pytorch, onnxruntime, openvino, tensorrt), or auto: "
        "the fastest one installed, exported and passing its self-check",
    )
    device: str = Field("cpu", description="Device: cpu, cuda:0, gpu (an Intel GPU, OpenVINO) ...")
    half: bool = Field(
        False, description="Half precision (FP16; on CPUs OpenVINO computes in bf16 where it can)"
    )
    int8: bool = Field(False, description="The INT8-quantized export (OpenVINO)")
    batch: int = Field(8, ge=1, le=64, description="Most frames of concurrent looks run in one forward pass")
    max_wait_ms: float = Field(
        5, ge=0, le=200, description="How long a forward pass waits for more frames to fill its batch"
    )

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        from detectors.backends import registered_backends

        known = ["auto", *sorted(registered_backends())]
        if value not in known:
            raise ValueError(f"unknown detector backend {value!r} (known: {', '.join(known)})")
        return value

    @model_validator(mode="after")
    def _one_precision(self) -> DetectorConfig:
        if self.half and self.int8:
            raise ValueError("half and int8 exclude each other: choose one precision")
        return self


class SamplingConfig(Section):
    workers: int = Field(2, ge=1, le=256, description="Looks run at the same time, in all")
    max_streams_per_school: int = Field(2, ge=1, le=64, description="Concurrent looks at one school")
    default_max_gap_s: float = Field(
        1800, ge=10, le=86400, description="Maximum gap of a timetable role that does not set its own"
    )
    mean_gap_fraction: float = Field(
        0.4,
        gt=0.05,
        le=1,
        description="The random rate is raised where needed so the mean gap is at most this share of the maximum gap",
    )
    on_demand_within_s: float = Field(
        120, ge=10, le=3600, description="An on-demand patrol looks at every camera of the school within this"
    )
    reinspection_rate_factor: float = Field(
        3, ge=1, le=20, description="Random looks at a school with open hazards come this many times as often"
    )
    open_timeout_s: float = Field(8, gt=0, le=120, description="Bound on connecting and the first picture")
    read_timeout_s: float = Field(5, gt=0, le=120, description="Bound on each later read")
    clip_s: float = Field(10, ge=1, le=60, description="Clip length for motion rules")
    clip_fps: float = Field(3, ge=0.5, le=15, description="Frames analysed per second of clip")
    look_timeout_s: float = Field(
        120,
        ge=10,
        le=1800,
        description="With workers over a broker: a look that started and sent no word for this long is "
        "counted lost, and its camera planned again",
    )


class HealthConfig(Section):
    """Camera-health thresholds; see docs/tuning figures in the README."""

    blank_max_contrast: float = Field(
        6.0, ge=0, le=64, description="Grey-level spread below which a picture is blank"
    )
    frozen_max_difference: float = Field(
        0.25, ge=0, le=10, description="Mean grey-level change between looks below which a picture is frozen"
    )
    obstructed_sharpness_ratio: float = Field(
        0.2,
        gt=0,
        lt=1,
        description="Sharpness as a share of the reference below which the view is obstructed",
    )
    obstructed_min_sharpness: float = Field(
        8.0, ge=0, description="Sharpness floor while there is no reference"
    )
    covered_dark_share: float = Field(
        0.6, gt=0, le=1, description="Share of dark pixels that means a covered lens"
    )
    moved_min_in_place: int = Field(
        25, ge=1, le=1000, description="Reference landmarks that must still be in place"
    )
    moved_tolerance: float = Field(
        0.02, gt=0, lt=0.5, description="How far a landmark may drift, as a share of the width"
    )


class RoleVisitsConfig(Section):
    weight: float = Field(
        gt=0,
        le=10000,
        description="Visit rate weight: random looks per hour = weight × calendar.base_looks_per_hour",
    )
    max_gap_s: float | None = Field(
        None,
        ge=10,
        le=7 * 86400,
        description="Longest time without a look; default: sampling.default_max_gap_s",
    )


class TimetableWindowConfig(Section):
    spans: tuple[TimeSpanConfig, ...] = Field(min_length=1, description="When the window is open, local time")
    peak: bool = Field(False, description="Arrival or dismissal peak: booth and gate guarantees come first")
    roles: dict[CameraRole, RoleVisitsConfig] = Field(
        default_factory=dict,
        description="Camera roles visited in this window; a role not listed is not visited",
    )


class TimetableConfig(Section):
    windows: dict[str, TimetableWindowConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _windows_do_not_overlap(self) -> TimetableConfig:
        # A camera is in at most one window at a time; compare spans minute by minute over a week.
        owner: dict[int, str] = {}
        for name, window in self.windows.items():
            for span in window.spans:
                for minute in _week_minutes(span):
                    other = owner.setdefault(minute, name)
                    if other != name:
                        day, clock = ALL_DAYS[minute // 1440], minute % 1440
                        raise ValueError(
                            f"windows {other!r} and {name!r} overlap on {day} at {clock // 60:02d}:{clock % 60:02d}"
                        )
        return self


def _week_minutes(span: TimeSpanConfig) -> list[int]:
    start, end = clock_minutes(span.start), clock_minutes(span.end)
    if start == end:
        raise ValueError(f"the span {span.start}-{span.end} is empty; write 00:00 to 24:00 for a whole day")
    # A span across midnight belongs to the day it starts on.
    length = end - start if end > start else end + 1440 - start
    minutes: list[int] = []
    for day in span.days:
        first = ALL_DAYS.index(day) * 1440 + start
        minutes.extend(minute % (7 * 1440) for minute in range(first, first + length))
    return minutes


class DateRangeConfig(Section):
    start: date
    end: date | None = Field(None, description="Last day, inclusive; default: the start day")
    name: str = Field("", max_length=200)

    @model_validator(mode="after")
    def _ordered(self) -> DateRangeConfig:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    @property
    def last(self) -> date:
        return self.end or self.start


@cache
def default_calendar() -> CalendarConfig:
    """The built-in calendar: a typical school day, every date in term, no holidays."""
    text = (Path(__file__).with_name("default_calendar.yaml")).read_text(encoding="utf-8")
    return CalendarConfig.model_validate(yaml.safe_load(text))


class CalendarConfig(Section):
    base_looks_per_hour: float = Field(
        1.0, gt=0, le=3600, description="Random looks per hour of a role with weight 1"
    )
    terms: tuple[DateRangeConfig, ...] = Field(
        (), description="Term dates; no windows open outside them. Empty: every date is in term"
    )
    holidays: tuple[DateRangeConfig, ...] = Field((), description="Dates without school: no windows open")
    default_timetable: str = Field("school_day", description="Timetable of schools that do not name one")
    timetables: dict[str, TimetableConfig] = Field(
        default_factory=lambda: dict(default_calendar().timetables),
        description="Named weekday timetables that schools share; default: the built-in school_day",
    )


class ApiConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    secure_cookies: bool = Field(
        False, description="Mark session cookies Secure: set when the dashboard is served over HTTPS"
    )
    session_hours: float = Field(12, ge=0.25, le=168, description="A browser session lasts this long")
    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token Prometheus sends for /metrics (write ${VARIABLE}); unset or empty: /metrics is off",
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        le=1024**3,
        description="Largest request body accepted; a larger one is refused with 413 before it is read",
    )
    docs: bool = Field(
        False, description="Serve the interactive API docs at /docs (the page loads its script from a CDN)"
    )
    snapshots_per_user_per_minute: int = Field(
        10, ge=1, le=600, description='"Look now" pictures one user may ask for in a minute'
    )
    live_feeds_per_user: int = Field(
        4, ge=1, le=100, description="Live-feed connections one user may hold open at once"
    )
    on_demand_cooldown_s: float = Field(
        300, ge=0, le=86400, description="After an on-demand patrol of a school, the next one waits this long"
    )
    report_max_findings: int = Field(
        5000, ge=1, le=1_000_000, description="A report over more findings is refused before it is built"
    )


class SimulatorConfig(Section):
    port: int = Field(8554, ge=1, le=65535)
    username: str = "patrol"
    password: SecretStr
    paths: dict[str, str] = Field(description="RTSP path -> scenario name")
    onvif_port: int | None = Field(
        8899,
        ge=0,
        le=65535,
        description="Each path is also an ONVIF device, the first on this port and the next on the "
        "ports after it, in the order the paths are listed (0: any free ports; null: no ONVIF)",
    )

    @model_validator(mode="after")
    def _onvif_ports_fit(self) -> SimulatorConfig:
        if self.onvif_port:
            last = self.onvif_port + len(self.paths) - 1
            if last > 65535:
                raise ValueError(f"onvif_port {self.onvif_port} leaves no port for path {len(self.paths)}")
            if self.onvif_port <= self.port <= last:
                raise ValueError(f"the ONVIF ports {self.onvif_port}-{last} take the RTSP port {self.port}")
        return self


class CountyConfig(Section):
    id: Identifier = Field("county", description="Id of the county bureau's jurisdiction")
    name: str = Field("县公安局 County bureau", min_length=1, max_length=200)


class StationConfig(Section):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    schools: tuple[str, ...] = Field(min_length=1, description="Ids of the schools this station covers")


class JurisdictionsConfig(Section):
    """Who sees what: the county bureau sees every school, a police station only its own."""

    county: CountyConfig = Field(default_factory=CountyConfig)
    stations: tuple[StationConfig, ...] = ()


class MqttConfig(Section):
    enabled: bool = Field(False, description="Publish event and hazard changes to an MQTT broker")
    host: str = Field("127.0.0.1", min_length=1, description="Broker host")
    port: int = Field(1883, ge=1, le=65535)
    topic_prefix: str = Field(
        "school-patrol",
        pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_/-]{0,99}$",
        description="Topics: <prefix>/events/<type>",
    )
    username: str | None = None
    password: SecretStr | None = None


class WebhookConfig(Section):
    url: str = Field(pattern=r"^https?://[^\s]+$", description="POSTed a JSON body for each change")
    secret_header: str | None = Field(
        None, pattern=r"^[A-Za-z0-9-]{1,64}$", description="Header carrying `secret`, e.g. X-Patrol-Secret"
    )
    secret: SecretStr | None = None

    @model_validator(mode="after")
    def _secret_with_header(self) -> WebhookConfig:
        if (self.secret_header is None) != (self.secret is None):
            raise ValueError("secret_header and secret go together")
        return self


class RetentionConfig(Section):
    """What is deleted as it ages; events, decisions, hazards and the audit log never are."""

    looks_days: float | None = Field(
        None, ge=1, description="Delete looks older than this many days (None: keep them all)"
    )
    dismissed_evidence_days: float | None = Field(
        None,
        ge=1,
        description="Delete the evidence pictures of events dismissed longer ago than this (None: keep)",
    )
    batch_size: int = Field(5000, ge=1, le=1_000_000, description="Rows deleted per short transaction")


class NotifyConfig(Section):
    mqtt: MqttConfig = Field(default_factory=MqttConfig)
    webhooks: tuple[WebhookConfig, ...] = ()
    queue_size: int = Field(
        1000, ge=1, le=100_000, description="Changes waiting to be sent; more are dropped"
    )
    retries: int = Field(3, ge=0, le=10, description="Webhook attempts after the first")
    backoff_s: float = Field(1.0, gt=0, le=60, description="Wait before the first retry, doubled each time")
    timeout_s: float = Field(5.0, gt=0, le=60, description="Per webhook request")


class RegistryConfig(Section):
    """The cameras imported into the database (`patrol cameras import`)."""

    refresh_s: float = Field(
        30,
        ge=1,
        le=60,
        description="The running patrol reads the imported cameras this often and takes what changed",
    )


class PatrolConfig(Section):
    timezone: str = Field("Asia/Shanghai", description="IANA zone of the schools' clocks")
    data_dir: Path = Field(Path("data"), description="Database, evidence files and caches")
    database_url: SecretStr | None = Field(None, description="Default: SQLite under data_dir")
    broker_url: SecretStr | None = Field(
        None,
        description="RabbitMQ for `patrol planner` and `patrol worker` (amqp://user:pass@host:5672//); "
        "unset: looks run inside the one patrol process",
    )
    api: ApiConfig = Field(default_factory=ApiConfig)
    detector: DetectorConfig = Field(default_factory=DetectorConfig)
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    health: HealthConfig = Field(default_factory=HealthConfig)
    windows: dict[str, tuple[TimeSpanConfig, ...]] = Field(default_factory=dict)
    calendar: CalendarConfig = Field(
        default_factory=default_calendar, description="When cameras are visited, how often, and how far apart"
    )
    schools: tuple[SchoolConfig, ...]
    cameras: tuple[CameraConfig, ...]
    templates: dict[Identifier, CameraViewConfig] = Field(
        default_factory=dict,
        description="Named camera views (zones, lines, rules) that imported cameras take; a template "
        "named like a camera role is that role's default",
    )
    registry: RegistryConfig = Field(default_factory=RegistryConfig)
    jurisdictions: JurisdictionsConfig = Field(default_factory=JurisdictionsConfig)
    simulator: SimulatorConfig | None = None
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    # What ${VAR} placeholders took from the environment, set by the loader: `config_secrets`
    # masks those that went into a secret field by value, wherever they appear.
    _environment_values: frozenset[str] = PrivateAttr(default_factory=frozenset)

    @property
    def environment_values(self) -> frozenset[str]:
        return self._environment_values

    def remember_environment_values(self, values: frozenset[str]) -> None:
        self._environment_values = values
