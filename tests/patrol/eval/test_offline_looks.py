"""Looks decoded from an encoded timeline, checked with the real encoder and the real detector."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from detectors.types import PersonDetector
from patrol.eval.offline_looks import EncodedTimeline
from streams.simulator.encode import cache_file_name
from streams.simulator.scenarios import Actor, Scenario, Waypoint

LOOP_S = 20.0
# One walker crossing at a steady pace in a 20 s loop: where the feet are tells the time.
WALK = Scenario(
    "steady_walk",
    "gate_side",
    LOOP_S,
    (Actor("black_coat", (Waypoint(0, 0.1), Waypoint(LOOP_S, 0.9))),),
)


def _feet_x(scenario_s: float) -> float:
    return 0.1 + 0.8 * (scenario_s % LOOP_S) / LOOP_S


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("timelines")


@pytest.fixture(scope="module")
def timeline(cache_dir: Path) -> EncodedTimeline:
    return EncodedTimeline.of(WALK, cache_dir)


def _walker_x(detector: PersonDetector, image: NDArray[np.uint8]) -> float:
    [found] = detector.detect([image])
    assert len(found) == 1, f"expected the walker alone, found {len(found)} persons"
    return float(found.foot_points[0, 0])


def test_the_timeline_is_encoded_into_the_cache_once(cache_dir: Path, timeline: EncodedTimeline) -> None:
    cached = cache_dir / cache_file_name(WALK)
    assert cached.is_file()
    written = cached.stat().st_mtime_ns
    EncodedTimeline.of(WALK, cache_dir)
    assert cached.stat().st_mtime_ns == written


@pytest.mark.parametrize(
    ("offset_s", "keyframe_s"),
    [(0.0, 0.0), (2.3, 3.0), (7.95, 8.0), (11.0, 11.0), (19.5, 20.0)],
)
def test_the_snapshot_is_the_first_keyframe_at_or_after_the_offset(
    timeline: EncodedTimeline, detector: PersonDetector, offset_s: float, keyframe_s: float
) -> None:
    snapshot = timeline.snapshot(offset_s)
    # Keyframes come every second (the camera's GOP); at 20 s the loop starts again.
    assert snapshot.at_s == pytest.approx(keyframe_s)
    assert snapshot.frame.offset_s == 0.0
    assert snapshot.frame.image.shape == (360, 640, 3)
    assert _walker_x(detector, snapshot.frame.image) == pytest.approx(_feet_x(keyframe_s), abs=0.03)


@pytest.mark.parametrize("offset_s", [4.2, 17.0])
def test_the_clip_follows_the_snapshot_at_the_asked_rate(
    timeline: EncodedTimeline, detector: PersonDetector, offset_s: float
) -> None:
    snapshot = timeline.snapshot(offset_s)
    clip = timeline.clip(snapshot, 4.0, 3.0)
    offsets = [0.0] + [f.offset_s for f in clip]
    # With the snapshot, 4 s at 3 fps; at 10 fps the frames fall 0.3 or 0.4 s apart.
    assert len(offsets) == 12
    steps = [later - earlier for earlier, later in itertools.pairwise(offsets)]
    assert all(0.3 - 1e-6 <= step <= 0.4 + 1e-6 for step in steps), steps
    assert offsets[-1] < 4.0
    # The last picture shows the scene that long after the snapshot, across the loop's end too.
    last = clip[-1]
    assert _walker_x(detector, last.image) == pytest.approx(_feet_x(snapshot.at_s + last.offset_s), abs=0.03)
