"""Scenario files: a simulated camera and what the patrol should find on it, in plain YAML.

docs/scenarios.md describes the format. Pydantic validates the file at the edge (unknown
keys are errors, every problem is named by its key path); the rest of the code sees frozen
dataclasses: the simulator's ``Scenario`` for the pictures and an ``EvalScenario`` around it
for the patrol's camera and the expected findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import cv2
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from patrol.config.checks import camera_names_defined
from patrol.config.issues import ConfigIssue, key_path
from patrol.config.load import ConfigError, validation_issues
from patrol.config.schema import ALL_DAYS, CameraViewConfig, TimeSpanConfig, Weekday
from patrol.rules.registry import RULE_NAMES
from patrol.types import CameraRole, EventType
from streams.simulator.camera import CameraTraits, Lighting
from streams.simulator.gate import Car, Gate, GateState
from streams.simulator.people import FOOTAGE_PERSON_NAMES, PERSON_NAMES, missing_footage_reason
from streams.simulator.scenarios import FEET_Y, PERSON_HEIGHT, Actor, Scenario, Waypoint
from streams.simulator.scene import SCENE_NAMES

SCENARIO_SUFFIXES = (".yaml", ".yml")
# Windows every scenario file may name without defining them.
PREDEFINED_WINDOWS: dict[str, tuple[TimeSpanConfig, ...]] = {
    "always": (TimeSpanConfig(start="00:00", end="24:00"),)
}
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
# A scenario expects findings of the registered rules, named as in config files.
if TYPE_CHECKING:
    RuleName = str
else:
    RuleName = Literal[RULE_NAMES]


class ScenarioError(ConfigError):
    """A scenario file that cannot be used, with every problem found in it by key path."""


# ---------------------------------------------------------------- the file, as pydantic models


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _WaypointModel(_Strict):
    t: float = Field(ge=0, le=86400, description="Seconds after the actor's start when the feet are here")
    x: float = Field(
        ge=-1, le=2, description="Feet across the picture: 0 left edge, 1 right; beyond is out of view"
    )
    y: float = Field(FEET_Y, ge=0, le=2, description="Feet down the picture: 0 top, 1 bottom")
    stay_s: float = Field(0, ge=0, le=86400, description="Stand here this long after arriving")
    height: float | None = Field(None, ge=0.02, le=1.5, description="Person height here, share of the frame")


class _RepeatModel(_Strict):
    every_s: float = Field(gt=0, le=86400, description="Seconds between one walk-through and the next")
    times: int = Field(ge=1, le=500, description="How many people walk the path in all")


class _ActorModel(_Strict):
    person: str = Field(description="Which cut-out person: " + ", ".join(PERSON_NAMES))
    start_s: float = Field(0, ge=0, le=86400, description="Scenario second at which the path's t=0 falls")
    height: float = Field(PERSON_HEIGHT, ge=0.02, le=1.5, description="Person height, share of the frame")
    path: tuple[_WaypointModel, ...] = Field(min_length=1)
    repeat: _RepeatModel | None = None

    @field_validator("person")
    @classmethod
    def _known_person(cls, person: str) -> str:
        if person not in PERSON_NAMES:
            raise ValueError(f"unknown person; known: {', '.join(PERSON_NAMES)}")
        return person


class _CameraModel(_Strict):
    width: int = Field(640, ge=64, le=3840)
    height: int = Field(360, ge=64, le=2160)
    fps: int = Field(10, ge=1, le=60)
    gop_s: float = Field(1.0, gt=0, le=10, description="Seconds between keyframes")
    quality: int = Field(23, ge=0, le=51, description="x264 CRF: lower is sharper and larger")
    noise: float = Field(2.5, ge=0, le=50, description="Sensor noise in daylight, in 8-bit levels")


class _ClockModel(_Strict):
    weekday: Weekday = Field("mon", description="Local weekday when the scenario starts")
    start: str = Field("10:00", description="Local time of day when the scenario starts, HH:MM[:SS]")

    @field_validator("start")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError("expected a time of day as HH:MM or HH:MM:SS")
        return value


class _ExpectModel(_Strict):
    rule: RuleName
    from_s: float = Field(ge=0, description="When the condition begins, scenario seconds")
    to_s: float | None = Field(None, ge=0, description="When it ends; default: the end of the scenario")
    tolerance_s: float = Field(
        0, ge=0, le=3600, description="A finding raised this long after to_s still counts"
    )
    optional: bool = Field(False, description="A finding may come or not: neither counts against the patrol")
    note: str = ""


class _SpanModel(_Strict):
    from_s: float = Field(ge=0, le=86400, description="Scenario second the gate starts to open")
    to_s: float = Field(gt=0, le=86400, description="Scenario second it starts to close")


class _GateModel(_Strict):
    open: tuple[_SpanModel, ...] = Field((), description="When the gate stands open; shut otherwise")


class _CarModel(_Strict):
    start_s: float = Field(ge=0, le=86400, description="Scenario second the car enters the picture")
    cross_s: float = Field(6, gt=0, le=120, description="Seconds it takes to cross the picture")
    leftwards: bool = False
    repeat: _RepeatModel | None = None


class _ReferenceViewModel(_Strict):
    gate: GateState = Field(description="The gate as the administrator's snapshot showed it")
    lighting: Lighting = Field(Lighting.DAY, description="The light it was taken in (default: daylight)")


class _ScenarioModel(_Strict):
    name: str | None = Field(None, min_length=1, max_length=120, description="Default: the file name")
    description: str = ""
    duration_s: float = Field(gt=0, le=7200, description="How long the scenario lasts (and is watched)")
    loop: bool = Field(
        False, description="Repeat the actors' timeline every loop_s instead of playing it once"
    )
    loop_s: float | None = Field(None, gt=0, le=7200, description="Length of a looping timeline")
    background: str = Field(description="A drawn scene (" + ", ".join(SCENE_NAMES) + ") or a picture file")
    lighting: Lighting = Lighting.DAY
    camera: _CameraModel = Field(default_factory=_CameraModel)
    clock: _ClockModel = Field(default_factory=_ClockModel)
    windows: dict[str, tuple[TimeSpanConfig, ...]] = Field(default_factory=dict)
    patrol: CameraViewConfig
    actors: tuple[_ActorModel, ...] = ()
    gate: _GateModel | None = Field(None, description="The school_gate scene's sliding gate")
    cars: tuple[_CarModel, ...] = Field((), description="Cars passing in the street beyond the gate")
    reference_views: dict[str, _ReferenceViewModel] = Field(
        default_factory=dict,
        description="The labelled views an administrator took for the camera's rules, by label",
    )
    expect: tuple[_ExpectModel, ...] = ()


# ---------------------------------------------------------------- what the rest of the code sees


@dataclass(frozen=True)
class Expectation:
    """A finding the patrol should raise: the condition holds from ``from_s`` to ``to_s``."""

    rule: EventType
    from_s: float
    to_s: float
    tolerance_s: float = 0.0
    optional: bool = False

    def admits(self, raised_s: float) -> bool:
        return self.from_s <= raised_s <= self.to_s + self.tolerance_s


@dataclass(frozen=True)
class EvalScenario:
    name: str
    source: Path
    description: str
    video: Scenario
    duration_s: float
    view: CameraViewConfig  # zones, lines, rules and pace of the patrol's camera
    windows: Mapping[str, tuple[TimeSpanConfig, ...]]
    weekday: int  # Monday is 0
    start: time  # local time of day at scenario second 0
    expectations: tuple[Expectation, ...]
    skip_reason: str | None = None  # why it cannot run here (people from absent footage)
    # Labelled views the camera has, by label: the scene with nobody in it, in a given state.
    reference_views: Mapping[str, Scenario] = field(default_factory=dict)

    @property
    def rules(self) -> tuple[EventType, ...]:
        return tuple(spec.event_type for spec, _ in self.view.rules.configured())

    @property
    def role(self) -> CameraRole:
        """The camera's role as the first of its rules (in the registry's order) declares it."""
        configured = self.view.rules.configured()
        return configured[0][0].camera_role if configured else CameraRole.GATE_OUTSIDE


# ---------------------------------------------------------------- loading


def load_scenario(path: Path) -> EvalScenario:
    """One scenario file; raises ScenarioError naming the file and every problem in it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(path), [ConfigIssue("", f"cannot read the file: {exc.strerror}")]) from None
    return parse_scenario(text, path)


def parse_scenario(text: str, source: Path) -> EvalScenario:
    """A scenario from its YAML text; ``source`` names it and anchors relative picture paths."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ScenarioError(str(source), [ConfigIssue("", f"{where}not valid YAML")]) from None
    if not isinstance(raw, dict):
        raise ScenarioError(str(source), [ConfigIssue("", "the file must hold a mapping of keys")])

    issues: list[ConfigIssue] = []
    model: _ScenarioModel | None = None
    try:
        model = _ScenarioModel.model_validate(raw)
    except ValidationError as exc:
        issues.extend(validation_issues(exc, raw))
    file_windows = raw.get("windows")
    windows = {*PREDEFINED_WINDOWS, *(file_windows if isinstance(file_windows, dict) else ())}
    issues.extend(camera_names_defined(raw.get("patrol"), ("patrol",), raw, windows))
    if model is not None:
        issues.extend(_consistency_issues(model, raw, source))
    if issues or model is None:
        raise ScenarioError(str(source), issues)
    return _build(model, source)


def load_scenarios(folder: Path) -> list[EvalScenario]:
    """Every scenario file in a folder (not its subfolders), by file name; all problems at once."""
    if not folder.is_dir():
        raise ScenarioError(str(folder), [ConfigIssue("", "not a folder of scenario files")])
    files = sorted(p for p in folder.iterdir() if p.suffix in SCENARIO_SUFFIXES and p.is_file())
    if not files:
        raise ScenarioError(str(folder), [ConfigIssue("", "holds no .yaml scenario files")])
    scenarios: list[EvalScenario] = []
    problems: list[ConfigIssue] = []
    for file in files:
        try:
            scenarios.append(load_scenario(file))
        except ScenarioError as exc:
            problems.extend(
                ConfigIssue(
                    f"{file.name}: {i.path}" if i.path else file.name, i.message, i.value, i.has_value
                )
                for i in exc.issues
            )
    seen: dict[str, Path] = {}
    for scenario in scenarios:
        if scenario.name in seen:
            message = f"the name is already used by {seen[scenario.name].name}"
            problems.append(ConfigIssue(f"{scenario.source.name}: name", message, scenario.name, True))
        seen.setdefault(scenario.name, scenario.source)
    if problems:
        raise ScenarioError(str(folder), problems)
    return scenarios


def _issue(loc: tuple[Any, ...], raw: Any, message: str, value: Any) -> ConfigIssue:
    return ConfigIssue(key_path(loc, raw), message, value, True)


def _consistency_issues(model: _ScenarioModel, raw: dict[str, Any], source: Path) -> Iterator[ConfigIssue]:
    """What the models cannot check one field at a time: times in order, names that exist."""
    if _background(model.background, source) is None:
        message = (
            f"neither a drawn scene ({', '.join(SCENE_NAMES)}) nor a readable picture "
            f"file (paths are relative to {source.parent})"
        )
        yield _issue(("background",), raw, message, model.background)
    try:
        traits = CameraTraits(**model.camera.model_dump())
    except ValueError as exc:
        yield ConfigIssue("camera", str(exc))
        traits = CameraTraits()

    if model.loop_s is not None and not model.loop:
        yield _issue(("loop_s",), raw, "only a looping scenario (loop: true) has a loop length", model.loop_s)
    timeline_s = model.loop_s or model.duration_s
    if model.loop:
        frames = timeline_s * traits.fps
        if abs(frames - round(frames)) > 1e-6 or round(frames) % traits.gop_frames:
            key = "loop_s" if model.loop_s is not None else "duration_s"
            message = f"a loop must hold whole keyframe intervals ({traits.gop_s:g} s at {traits.fps} fps)"
            yield _issue((key,), raw, message, timeline_s)

    for a, actor in enumerate(model.actors):
        ready_at = 0.0
        for w, point in enumerate(actor.path):
            if point.t < ready_at:
                message = f"must not come before the previous waypoint's t + stay_s ({ready_at:g})"
                yield _issue(("actors", a, "path", w, "t"), raw, message, point.t)
            ready_at = max(ready_at, point.t + point.stay_s)
        if len(actor.path) == 1 and actor.path[0].stay_s == 0:
            yield _issue(
                ("actors", a, "path"), raw, "one waypoint needs a stay_s, or add another", len(actor.path)
            )
        if model.loop and actor.start_s + ready_at > timeline_s + 1e-9:
            message = f"the path ends at {actor.start_s + ready_at:g} s, after the loop's {timeline_s:g} s"
            yield _issue(("actors", a, "path"), raw, message, len(actor.path))

    uses_gate = model.gate is not None or model.cars or model.reference_views
    if uses_gate and model.background != "school_gate":
        yield _issue(
            ("background",),
            raw,
            "a gate, cars and reference views need the school_gate scene",
            model.background,
        )
    for g, span in enumerate(model.gate.open if model.gate is not None else ()):
        if span.to_s <= span.from_s:
            yield _issue(("gate", "open", g, "to_s"), raw, "must be after from_s", span.to_s)

    configured = {spec.name for spec, _ in model.patrol.rules.configured()}
    for e, expected in enumerate(model.expect):
        if expected.rule not in configured:
            message = f"the camera has no such rule under patrol -> rules (it has: {', '.join(sorted(configured)) or 'none'})"
            yield _issue(("expect", e, "rule"), raw, message, expected.rule)
        to_s = model.duration_s if expected.to_s is None else expected.to_s
        if expected.from_s >= model.duration_s:
            yield _issue(
                ("expect", e, "from_s"),
                raw,
                f"must be before the end ({model.duration_s:g} s)",
                expected.from_s,
            )
        if expected.to_s is not None and not expected.from_s < to_s <= model.duration_s:
            message = f"must be after from_s and at most duration_s ({model.duration_s:g})"
            yield _issue(("expect", e, "to_s"), raw, message, expected.to_s)


def _background(name: str, source: Path) -> str | Path | None:
    if name in SCENE_NAMES:
        return name
    path = (source.parent / name).resolve()
    if not path.is_file() or cv2.imread(str(path), cv2.IMREAD_REDUCED_COLOR_8) is None:
        return None
    return path


def _actors(model: _ActorModel) -> Iterator[Actor]:
    path: list[Waypoint] = []
    for point in model.path:
        path.append(Waypoint(point.t, point.x, point.y, point.height))
        if point.stay_s > 0:
            path.append(Waypoint(point.t + point.stay_s, point.x, point.y, point.height))
    repeat = model.repeat
    for index in range(repeat.times if repeat else 1):
        start_s = model.start_s + (index * repeat.every_s if repeat else 0.0)
        yield Actor(model.person, tuple(path), start_s=start_s, height=model.height)


def _build(model: _ScenarioModel, source: Path) -> EvalScenario:
    name = model.name or source.stem
    background = _background(model.background, source)
    assert background is not None  # checked before
    expectations = tuple(
        Expectation(
            EventType(e.rule),
            e.from_s,
            model.duration_s if e.to_s is None else e.to_s,
            e.tolerance_s,
            e.optional,
        )
        for e in model.expect
    )
    video = Scenario(
        name=name,
        scene=background,
        loop_s=(model.loop_s or model.duration_s) if model.loop else model.duration_s,
        actors=tuple(actor for spec in model.actors for actor in _actors(spec)),
        truth=tuple(sorted({e.rule.value for e in expectations})),
        lighting=model.lighting,
        camera=CameraTraits(**model.camera.model_dump()),
        loop=model.loop,
        gate=Gate(tuple((span.from_s, span.to_s) for span in model.gate.open)) if model.gate else None,
        cars=tuple(_cars(model.cars)),
    )
    # What the administrator's snapshot showed: the empty scene, the gate as labelled.
    empty = replace(video, actors=(), cars=(), loop=False)
    reference_views = {
        label: replace(empty, name=f"{name}:{label}", gate=Gate.fixed(view.gate), lighting=view.lighting)
        for label, view in model.reference_views.items()
    }
    skip_reason = None
    if video.people & set(FOOTAGE_PERSON_NAMES):
        reason = missing_footage_reason()
        if reason is not None:
            skip_reason = f"its people from the desk footage are unavailable: {reason}"
    start = time.fromisoformat(model.clock.start)
    return EvalScenario(
        name=name,
        source=source,
        description=model.description,
        video=video,
        duration_s=model.duration_s,
        view=model.patrol,
        windows={**PREDEFINED_WINDOWS, **model.windows},
        weekday=ALL_DAYS.index(model.clock.weekday),
        start=start,
        expectations=expectations,
        skip_reason=skip_reason,
        reference_views=reference_views,
    )


def _cars(models: tuple[_CarModel, ...]) -> Iterator[Car]:
    for car in models:
        repeat = car.repeat
        for index in range(repeat.times if repeat else 1):
            start_s = car.start_s + (index * repeat.every_s if repeat else 0.0)
            yield Car(start_s, car.cross_s, car.leftwards)
