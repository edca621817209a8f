"""A camera's memory through bytes: what one worker's look leaves, another's restores, so the
second judges the camera's next look as one process would."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from patrol import camera_memory
from patrol.cameras import PatrolCamera, build_sites
from patrol.config import parse_config
from patrol.rules import VerdictState
from patrol.rules.guard_absent import GuardAbsentRule
from patrol.rules.loitering import LoiteringRule, Sighting
from tests.conftest import REPO
from tests.patrol.rules.scripted import MONDAY_8AM, later, look


def _camera(camera_id: str) -> PatrolCamera:
    """A camera as a freshly started worker builds it from the demo config."""
    config = parse_config(
        (REPO / "config.yaml").read_text(encoding="utf-8"), environ={"PATROL_CAMERA_PASSWORD": "pw"}
    )
    _, cameras = build_sites(config)
    return next(camera for camera in cameras if camera.id == camera_id)


def _rule(camera: PatrolCamera, kind: type) -> object:
    return next(rule for rule in camera.rules if isinstance(rule, kind))


def test_a_second_worker_confirms_what_the_first_suspected() -> None:
    first = _camera("xihe-booth")
    assert first.rules[0].evaluate(look([[]]), MONDAY_8AM).state is VerdictState.SUSPECT
    saved = camera_memory.capture(first)

    second = _camera("xihe-booth")
    camera_memory.restore(second, saved)
    assert second.rules[0].evaluate(look([[]], at=later(31)), later(31)).state is VerdictState.FINDING
    # Without the memory, the same look is only a first suspicion.
    forgetful = _camera("xihe-booth")
    assert forgetful.rules[0].evaluate(look([[]], at=later(31)), later(31)).state is VerdictState.SUSPECT


def test_suspects_and_the_previous_picture_come_back_exactly() -> None:
    rng = np.random.default_rng(7)
    street = _camera("xihe-street")
    loitering = _rule(street, LoiteringRule)
    assert isinstance(loitering, LoiteringRule)
    suspect = Sighting(
        MONDAY_8AM,
        4,
        9.5,
        (0.41, 0.77),
        6,
        rng.random((3, 54), dtype=np.float32),
        rng.integers(0, 256, (128, 64, 3), dtype=np.uint8),
    )
    loitering.suspects = (suspect,)
    loitering.suspected_at = MONDAY_8AM
    loitering.loiterer_missed_at = MONDAY_8AM + timedelta(seconds=40)
    street.health.previous_grey = rng.integers(0, 256, (720, 1280), dtype=np.uint8)
    saved = camera_memory.capture(street)

    other = _camera("xihe-street")
    camera_memory.restore(other, saved)
    restored = _rule(other, LoiteringRule)
    assert isinstance(restored, LoiteringRule)
    [again] = restored.suspects
    assert (again.seen_at, again.track_id, again.stay_s, again.where, again.frame_index) == (
        MONDAY_8AM,
        4,
        9.5,
        (0.41, 0.77),
        6,
    )
    assert again.histograms is not None and again.histograms.dtype == np.float32
    assert np.array_equal(again.histograms, suspect.histograms)
    assert again.crop is not None and np.array_equal(again.crop, suspect.crop)
    assert restored.suspected_at == MONDAY_8AM and restored.loiterer is None
    assert restored.loiterer_missed_at == MONDAY_8AM + timedelta(seconds=40)
    assert other.health.previous_grey is not None
    assert np.array_equal(other.health.previous_grey, street.health.previous_grey)


def test_no_saved_memory_is_a_fresh_start() -> None:
    booth = _camera("xihe-booth")
    booth.rules[0].evaluate(look([[]]), MONDAY_8AM)
    booth.health.previous_grey = np.zeros((4, 4), np.uint8)
    camera_memory.restore(booth, None)
    guard = _rule(booth, GuardAbsentRule)
    assert isinstance(guard, GuardAbsentRule) and guard.first_short_at is None
    assert booth.health.previous_grey is None


def test_an_unreadable_memory_is_refused_by_name() -> None:
    with pytest.raises(camera_memory.UnreadableMemory, match="camera xihe-booth"):
        camera_memory.restore(_camera("xihe-booth"), b"not a memory")
