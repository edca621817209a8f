"""Health checks on simulated pictures with each fault applied, and on healthy ones."""

from __future__ import annotations

from datetime import UTC, datetime

import cv2
import numpy as np
import pytest

from patrol.health import CameraHealth
from patrol.health.signals import measure
from patrol.records import ReferenceRecord
from patrol.types import EventType
from streams.simulator.faults import Fault, apply_fault
from streams.simulator.scenarios import SCENARIOS, render

T0 = datetime(2026, 11, 30, tzinfo=UTC)


def _live(scenario: str, t: float, seed: int) -> np.ndarray:
    """A rendered picture with fresh sensor noise, as a live camera sends it."""
    picture = render(SCENARIOS[scenario], t).astype(np.int16)
    noise = np.random.default_rng(seed).normal(0, 2.0, picture.shape)
    return np.clip(picture + noise, 0, 255).astype(np.uint8)


def _reference(image: np.ndarray) -> ReferenceRecord:
    signals = measure(image)
    ok, jpeg = cv2.imencode(".jpg", image)
    assert ok
    return ReferenceRecord("cam", jpeg.tobytes(), T0, signals.sharpness, signals.dark_share)


def _faults(report) -> set[EventType]:  # type: ignore[no-untyped-def]
    return {v.event_type for v in report.verdicts if v.faulty}


@pytest.mark.parametrize("scenario", ["booth_staffed", "booth_empty", "gate_walk_in", "outside_loiter"])
def test_a_healthy_camera_has_no_fault_look_after_look(scenario: str) -> None:
    health = CameraHealth()
    reference = _reference(_live(scenario, 0.0, 1))
    for look, t in enumerate([1.0, 5.0, 9.0]):
        report = health.inspect(_live(scenario, t, look + 2), reference)
        assert _faults(report) == set(), report
        assert report.usable


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.BLACK, {EventType.CAMERA_BLANK}),
        (Fault.COVERED, {EventType.CAMERA_OBSTRUCTED}),
        (Fault.DEFOCUSED, {EventType.CAMERA_OBSTRUCTED}),
        (Fault.MOVED, {EventType.CAMERA_MOVED}),
    ],
)
def test_each_fault_is_named(fault: Fault, expected: set[EventType]) -> None:
    reference = _reference(_live("booth_staffed", 0.0, 1))
    report = CameraHealth().inspect(apply_fault(_live("booth_staffed", 3.0, 2), fault), reference)
    assert _faults(report) == expected
    assert not report.usable
    assert all(v.summary for v in report.verdicts if v.faulty)


def test_a_frozen_picture_is_caught_on_the_second_look() -> None:
    health = CameraHealth()
    stuck = _live("booth_empty", 0.0, 1)
    assert _faults(health.inspect(stuck, None)) == set()
    assert _faults(health.inspect(stuck.copy(), None)) == {EventType.CAMERA_FROZEN}
    assert _faults(health.inspect(_live("booth_empty", 0.0, 7), None)) == set()


def test_without_a_reference_a_blurred_picture_is_still_obstructed() -> None:
    report = CameraHealth().inspect(apply_fault(_live("gate_walk_in", 2.0, 1), Fault.DEFOCUSED), None)
    assert _faults(report) == {EventType.CAMERA_OBSTRUCTED}


def test_a_repeat_by_chance_is_not_frozen_when_the_next_keyframe_differs() -> None:
    health = CameraHealth()
    picture = _live("outside_loiter", 3.0, 1)
    health.inspect(picture, None)
    again = health.inspect(picture.copy(), None)  # a looping scene came round to the same frame
    assert again.suspects_frozen
    later = health.recheck_frozen(again, _live("outside_loiter", 4.0, 2))
    assert _faults(later) == set()
    stuck = health.recheck_frozen(again, picture.copy())
    assert _faults(stuck) == {EventType.CAMERA_FROZEN}
