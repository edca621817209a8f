"""What the simulated camera adds: light, sensor noise that changes every frame, its traits."""

from __future__ import annotations

import dataclasses
import itertools
from fractions import Fraction

import av
import numpy as np
import pytest

from streams.simulator import SCENARIOS
from streams.simulator.camera import CameraTraits, Lighting, add_sensor_noise, apply_lighting
from streams.simulator.encode import encode_loop, loop_frames
from streams.simulator.people import BUS_PERSON_NAMES, FOOTAGE_PERSON_NAMES, footage_available
from streams.simulator.scenarios import Actor, Scenario, Waypoint, render
from streams.simulator.scene import background


def _lit(name: str, lighting: Lighting) -> Scenario:
    return dataclasses.replace(SCENARIOS[name], lighting=lighting)


def test_night_frames_are_grayscale_and_dusk_frames_are_darker() -> None:
    night = render(_lit("gate_registered", Lighting.NIGHT), 6.0)
    assert np.array_equal(night[..., 0], night[..., 1]) and np.array_equal(night[..., 1], night[..., 2])
    day = render(_lit("gate_registered", Lighting.DAY), 6.0)
    dusk = render(_lit("gate_registered", Lighting.DUSK), 6.0)
    assert dusk.mean() < 0.6 * day.mean()
    # Dusk light is bluish: blue keeps more of its level than red.
    assert dusk[..., 0].mean() / day[..., 0].mean() > dusk[..., 2].mean() / day[..., 2].mean()


def test_the_infrared_lamp_lights_the_middle_more_than_the_corners() -> None:
    flat = np.full((360, 640, 3), 128, np.uint8)
    lit = apply_lighting(flat, Lighting.NIGHT)
    assert lit[180, 320, 0] > lit[5, 5, 0] + 40


@pytest.mark.parametrize("lighting", list(Lighting))
def test_consecutive_frames_of_an_empty_scene_differ(lighting: Lighting) -> None:
    scenario = _lit("booth_empty", lighting)
    frames = [render(scenario, i / 10).astype(np.int16) for i in range(5)]
    for before, after in itertools.pairwise(frames):
        assert np.abs(after - before).mean() > 1.0
    # ...and the same frame is the same picture every time (encoded loops are cached).
    assert np.array_equal(render(scenario, 0.3), render(scenario, 0.3))


def test_the_noise_survives_encoding_so_a_live_empty_scene_is_not_frozen() -> None:
    scenario = dataclasses.replace(SCENARIOS["booth_empty"], loop_s=2.0)
    decoder = av.CodecContext.create("h264", "r")
    pictures = []
    for unit in encode_loop(scenario):
        for frame in decoder.decode(av.Packet(unit.data)):
            pictures.append(frame.to_ndarray(format="bgr24").astype(np.int16))
    assert len(pictures) >= 15
    steps = [float(np.abs(b - a).mean()) for a, b in itertools.pairwise(pictures)]
    assert min(steps) > 0.2, steps
    frozen = dataclasses.replace(scenario, camera=CameraTraits(noise=0))
    assert np.array_equal(render(frozen, 0.0), render(frozen, 1.0))


def test_noise_grows_with_the_gain_and_stays_gray_when_asked() -> None:
    flat = np.full((90, 160, 3), 100, np.uint8)
    weak = add_sensor_noise(flat, 2.0, 7).astype(np.int16) - 100
    strong = add_sensor_noise(flat, 6.0, 7).astype(np.int16) - 100
    assert 1.5 < weak.std() < 2.5 and 5.0 < strong.std() < 7.0
    gray = add_sensor_noise(flat, 6.0, 7, gray=True)
    assert np.array_equal(gray[..., 0], gray[..., 2])


def test_camera_traits_set_resolution_frames_and_keyframes() -> None:
    camera = CameraTraits(width=320, height=180, fps=5, gop_s=2, quality=30)
    scenario = Scenario("small", "street", 4.0, (), camera=camera)
    units = encode_loop(scenario)
    assert len(units) == loop_frames(scenario) == 20
    assert [i for i, unit in enumerate(units) if unit.keyframe] == [0, 10]
    decoder = av.CodecContext.create("h264", "r")
    [frame] = decoder.decode(av.Packet(units[0].data))
    assert (frame.width, frame.height) == (320, 180)
    assert render(scenario, 0.0).shape == (180, 320, 3)
    once = dataclasses.replace(scenario, loop=False)
    assert loop_frames(once) % camera.gop_frames == 0 and loop_frames(once) > 20
    assert Fraction(1, 5) == Fraction(1, camera.fps)


@pytest.mark.parametrize(
    ("traits", "words"),
    [
        ({"width": 641}, "even"),
        ({"fps": 10, "gop_s": 0.25}, "whole number of frames"),
        ({"quality": 52}, "CRF"),
        ({"noise": -1}, "noise"),
    ],
)
def test_impossible_traits_are_refused(traits: dict[str, float], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        CameraTraits(**traits)  # type: ignore[arg-type]


def test_a_picture_file_is_a_background(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import cv2

    picture = tmp_path / "room.png"
    cv2.imwrite(str(picture), np.full((100, 200, 3), (10, 200, 30), np.uint8))
    scenario = Scenario("room", picture, 2.0, (), camera=CameraTraits(width=320, height=160, noise=0))
    frame = render(scenario, 0.0)
    assert frame.shape == (160, 320, 3)
    assert tuple(frame[80, 160]) == (10, 200, 30)
    assert not np.array_equal(render(SCENARIOS["booth_empty"], 0.0, noise=False)[:160, :320], frame)
    assert background("booth").shape == (360, 640, 3)


@pytest.mark.parametrize("lighting", [Lighting.DUSK, Lighting.NIGHT])
def test_the_detector_still_finds_people_at_dusk_and_at_night(detector, lighting: Lighting) -> None:  # type: ignore[no-untyped-def]
    people = list(BUS_PERSON_NAMES) + (list(FOOTAGE_PERSON_NAMES) if footage_available() else [])
    frames, where = [], []
    for index, person in enumerate(people):
        x = 0.3 + 0.4 * (index % 2)
        height = 0.55 if index % 3 else 0.35
        actor = Actor(person, (Waypoint(0, x, 0.9), Waypoint(10, x, 0.9)), height=height)
        frames.append(render(Scenario(person, "street", 10.0, (actor,), lighting=lighting), 2.0))
        where.append(x)
    for person, x, found in zip(people, where, detector.detect(frames), strict=True):
        assert len(found) >= 1, f"{person} not found at {lighting}"
        best = int(np.argmax(found.scores))
        foot_x, foot_y = found.foot_points[best]
        assert abs(foot_x - x) < 0.05 and abs(foot_y - 0.9) < 0.06, (person, found.foot_points)
