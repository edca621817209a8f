"""What each simulated camera shows: people moving through a scene, looping or played once.

Positions are normalized image coordinates of a person's feet (the bottom-centre of
their box), because that is the point the patrol rules test against zones. The zones
configured for the simulator use the same numbers as the waypoints below.

The six built-in scenarios below serve config.yaml's ``simulator.paths``; scenario files
(``patrol.eval.scenario_file``) build the same dataclasses, so one renderer draws both.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from streams.simulator.camera import NOISE_GAIN, CameraTraits, Lighting, add_sensor_noise, apply_lighting
from streams.simulator.faults import Fault, apply_fault
from streams.simulator.gate import Car, Gate, draw_cars, draw_gate
from streams.simulator.people import PERSON_NAMES, cutout
from streams.simulator.scene import SCENE_NAMES, Image, backdrop

FEET_Y = 0.92
PERSON_HEIGHT = 0.55  # of the frame height: a person near a gate camera
SWAY = 0.02  # how far a standing person drifts sideways, so they are never frozen
SWAY_PERIOD_S = 4.0


@dataclass(frozen=True)
class Waypoint:
    """Where an actor's feet are ``t`` seconds after the actor's start.

    ``height`` (a share of the frame height) overrides the actor's height here; between
    waypoints it changes smoothly, as a person walking towards the camera grows.
    """

    t: float
    x: float
    y: float = FEET_Y
    height: float | None = None


@dataclass(frozen=True)
class Actor:
    """One person following waypoints, visible from the first waypoint to the last.

    ``start_s`` shifts the whole path (within a loop it wraps around), so two people can
    walk the same path at different times.
    """

    person: str
    path: tuple[Waypoint, ...]
    start_s: float = 0.0
    height: float = PERSON_HEIGHT

    def __post_init__(self) -> None:
        if self.person not in PERSON_NAMES:
            raise ValueError(f"unknown person {self.person!r}; known: {', '.join(PERSON_NAMES)}")
        if len(self.path) < 2:
            raise ValueError(f"{self.person}: a path needs at least 2 waypoints")
        times = [w.t for w in self.path]
        if times != sorted(times) or times[0] < 0:
            raise ValueError(f"{self.person}: waypoint times must be >= 0 and increasing")
        heights = [self.height, *(w.height for w in self.path if w.height is not None)]
        if not all(0.02 <= h <= 1.5 for h in heights):
            raise ValueError(f"{self.person}: heights must be 0.02 to 1.5 of the frame, got {heights}")


@dataclass(frozen=True)
class Placement:
    """A person as drawn in one frame: feet position and which way they face."""

    person: str
    x: float
    y: float
    height: float
    faces_left: bool


@dataclass(frozen=True)
class Scenario:
    """A scene, the people in it, the light and the camera, and the findings a patrol should make.

    The timeline is ``loop_s`` long. A looping scenario repeats it for ever (the demo's
    cameras); one that does not (``loop=False``) plays it once, and after its end shows the
    scene as the paths leave it. ``scene`` is a drawn scene's name or a picture file.
    ``truth`` names the rules that should raise a finding on it.
    """

    name: str
    scene: str | Path
    loop_s: float
    actors: tuple[Actor, ...]
    truth: tuple[str, ...] = ()
    lighting: Lighting = Lighting.DAY
    camera: CameraTraits = field(default_factory=CameraTraits)
    loop: bool = True
    fault: Fault | None = None  # what a broken camera sends instead (health tests)
    # The school_gate scene's sliding gate (shut all along when None) and cars passing beyond it.
    gate: Gate | None = None
    cars: tuple[Car, ...] = ()

    def __post_init__(self) -> None:
        if (self.gate is not None or self.cars) and self.scene != "school_gate":
            raise ValueError(f"{self.name}: a gate and cars belong to the school_gate scene")
        if isinstance(self.scene, str) and self.scene not in SCENE_NAMES:
            raise ValueError(f"{self.name}: unknown scene {self.scene!r}; known: {', '.join(SCENE_NAMES)}")
        if self.loop_s <= 0:
            raise ValueError(f"{self.name}: loop_s must be positive, got {self.loop_s}")
        if self.loop:
            for actor in self.actors:
                if actor.path[-1].t > self.loop_s:
                    raise ValueError(f"{self.name}: {actor.person}'s path is longer than the loop")

    @property
    def people(self) -> frozenset[str]:
        return frozenset(actor.person for actor in self.actors)


def _sway(elapsed: float, duration: float) -> float:
    """Sideways drift while standing; zero at both ends so walking resumes smoothly."""
    cycles = max(1, round(duration / SWAY_PERIOD_S))
    return SWAY * math.sin(2 * math.pi * cycles * elapsed / duration)


def _heading_left(path: tuple[Waypoint, ...], segment: int) -> bool | None:
    """Which way the actor faces in a segment: its own motion, else the nearest walk."""
    order = [segment, *range(segment - 1, -1, -1), *range(segment + 1, len(path) - 1)]
    for i in order:
        dx = path[i + 1].x - path[i].x
        if dx != 0:
            return dx < 0
    return None


def _place(actor: Actor, t: float, loop_s: float | None) -> Placement | None:
    local = t - actor.start_s
    if loop_s is not None:
        local %= loop_s
    path = actor.path
    if not path[0].t <= local <= path[-1].t:
        return None
    segment = next(i for i in range(len(path) - 1) if local <= path[i + 1].t)
    a, b = path[segment], path[segment + 1]
    duration = b.t - a.t
    fraction = 0.0 if duration == 0 else (local - a.t) / duration
    x = a.x + (b.x - a.x) * fraction
    y = a.y + (b.y - a.y) * fraction
    height_a = actor.height if a.height is None else a.height
    height_b = actor.height if b.height is None else b.height
    height = height_a + (height_b - height_a) * fraction
    if (a.x, a.y) == (b.x, b.y) and duration > 0:
        x += _sway(local - a.t, duration)
    heading = _heading_left(path, segment)
    faces_left = cutout(actor.person).faces_left if heading is None else heading
    return Placement(actor.person, x, y, height, faces_left)


def people_at(scenario: Scenario, t: float) -> tuple[Placement, ...]:
    """Everyone visible at time ``t`` (seconds; taken modulo the loop when the scenario loops)."""
    loop_s = scenario.loop_s if scenario.loop else None
    placed = (_place(actor, t, loop_s) for actor in scenario.actors)
    return tuple(p for p in placed if p is not None)


def _paste(frame: Image, placement: Placement) -> None:
    frame_height, frame_width = frame.shape[:2]
    native = cutout(placement.person)
    person = cutout(placement.person, mirrored=placement.faces_left != native.faces_left)
    height = max(1, round(placement.height * frame_height))
    width = max(1, round(person.image.shape[1] * height / person.image.shape[0]))
    shrinking = height < person.image.shape[0]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    image = cv2.resize(person.image, (width, height), interpolation=interpolation)
    alpha = cv2.resize(person.alpha, (width, height), interpolation=interpolation)

    bottom = round(placement.y * frame_height)
    left = round(placement.x * frame_width - width / 2)
    top = bottom - height
    # Clip to the frame: people enter and leave across its edges.
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + width, frame_width), min(bottom, frame_height)
    if x0 >= x1 or y0 >= y1:
        return
    src = (slice(y0 - top, y1 - top), slice(x0 - left, x1 - left))
    a = alpha[src][..., None]
    region = frame[y0:y1, x0:x1].astype(np.float32)
    blended = image[src].astype(np.float32) * a + region * (1.0 - a)
    frame[y0:y1, x0:x1] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def render(scenario: Scenario, t: float, *, noise: bool = True) -> Image:
    """The picture at time ``t``: the background and everyone in it, under the scenario's light.

    BGR at the camera's resolution. With ``noise``, the frame carries the camera's sensor
    noise for its frame of the timeline: consecutive frames differ, the same frame is the same.
    """
    if scenario.fault is Fault.FROZEN:
        # A stuck encoder: the very same picture, noise and all, for ever.
        return render(replace(scenario, fault=None), 0.0, noise=noise)
    if scenario.fault is not None:
        return apply_fault(render(replace(scenario, fault=None), t, noise=noise), scenario.fault)
    camera = scenario.camera
    frame = backdrop(scenario.scene, camera.width, camera.height).copy()
    if scenario.scene == "school_gate":
        timeline_t = t % scenario.loop_s if scenario.loop else t
        draw_cars(frame, scenario.cars, timeline_t)
        draw_gate(frame, scenario.gate.opened(timeline_t) if scenario.gate is not None else 0.0)
    # Nearer people (feet lower in the frame) are drawn last so they cover farther ones.
    for placement in sorted(people_at(scenario, t), key=lambda p: p.y):
        _paste(frame, placement)
    frame = apply_lighting(frame, scenario.lighting)
    if not noise:
        return frame
    timeline_s = t % scenario.loop_s if scenario.loop else t
    return add_sensor_noise(
        frame,
        camera.noise * NOISE_GAIN[scenario.lighting],
        round(timeline_s * camera.fps),
        seed=zlib.crc32(scenario.name.encode()),
        gray=scenario.lighting is Lighting.NIGHT,
    )


def _walk(t0: float, x0: float, t1: float, x1: float) -> tuple[Waypoint, Waypoint]:
    return Waypoint(t0, x0), Waypoint(t1, x1)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            name="booth_staffed",
            scene="booth",
            loop_s=10.0,
            actors=(Actor("black_coat", (Waypoint(0.0, 0.5, 0.9), Waypoint(10.0, 0.5, 0.9))),),
            truth=(),
        ),
        Scenario(
            name="booth_empty",
            scene="booth",
            loop_s=10.0,
            actors=(),
            truth=("guard_absent",),
        ),
        Scenario(
            name="gate_registered",
            scene="gate_side",
            loop_s=16.0,
            actors=(
                Actor(
                    "fur_coat",
                    (
                        Waypoint(0.0, -0.1),
                        Waypoint(4.0, 0.40),  # at the registration desk
                        Waypoint(10.0, 0.40),
                        Waypoint(14.0, 1.1),  # through the gate, into the school
                    ),
                ),
            ),
            truth=(),
        ),
        Scenario(
            name="gate_walk_in",
            scene="gate_side",
            # A slow stroll: about 5 s in view before the gate, enough to judge that no stop came.
            loop_s=14.0,
            actors=(
                Actor("fur_coat", _walk(0.0, -0.1, 14.0, 1.1)),
                Actor("black_coat", _walk(0.0, -0.1, 14.0, 1.1), start_s=7.0),
            ),
            truth=("unregistered_entry",),
        ),
        Scenario(
            name="outside_loiter",
            scene="street",
            loop_s=20.0,
            actors=(
                Actor(
                    "fur_coat",
                    (
                        Waypoint(0.0, 0.3),
                        Waypoint(6.0, 0.7),
                        Waypoint(9.0, 0.7),
                        Waypoint(15.0, 0.3),
                        Waypoint(20.0, 0.3),
                    ),
                ),
            ),
            truth=("loitering",),
        ),
        Scenario(
            name="outside_passersby",
            scene="street",
            loop_s=16.0,
            actors=(
                Actor("black_coat", _walk(0.0, -0.1, 6.0, 1.1)),
                Actor("fur_coat", _walk(0.0, 1.1, 6.0, -0.1), start_s=8.0),
            ),
            truth=(),
        ),
    )
}
