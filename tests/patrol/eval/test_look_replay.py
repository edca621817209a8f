"""A look detected once and replayed at several confidences, with the real detector, tracker and rules."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from detectors.types import PersonDetector
from patrol.config.schema import DetectorConfig, SamplingConfig
from patrol.eval.harness import scenario_config, scenario_start
from patrol.eval.look_replay import DetectedLook, detect_look
from patrol.eval.offline_looks import EncodedTimeline
from patrol.eval.scenario_file import EvalScenario, parse_scenario
from patrol.rules import Rule
from patrol.rules.build import build_rules

# Someone walks left to right in 20 s; the loitering zone is the left half of the picture.
WALKER = """
description: One walker crossing the street, again and again.
duration_s: 20
loop: true
background: street
patrol:
  zones:
    outside: [[0.0, 0.40], [0.5, 0.40], [0.5, 1.00], [0.0, 1.00]]
  rules:
    loitering: {zone: outside, confirm_after_s: 30, windows: [always]}
actors:
  - person: black_coat
    path:
      - {t: 0, x: 0.1}
      - {t: 20, x: 0.9}
"""
SAMPLING = SamplingConfig(clip_s=4, clip_fps=3)
TIMEZONE = "Europe/Berlin"


@pytest.fixture(scope="module")
def scenario() -> EvalScenario:
    return parse_scenario(WALKER, Path("walker.yaml"))


@pytest.fixture(scope="module")
def rules(scenario: EvalScenario) -> list[Rule]:
    config = scenario_config(
        scenario, "walker", "offline", timezone=TIMEZONE, sampling=SAMPLING, detector=DetectorConfig()
    )
    return build_rules(config, config.cameras[0])


@pytest.fixture(scope="module")
def timeline(scenario: EvalScenario, tmp_path_factory: pytest.TempPathFactory) -> EncodedTimeline:
    return EncodedTimeline.of(scenario.video, tmp_path_factory.mktemp("timelines"))


def _look(
    scenario: EvalScenario,
    timeline: EncodedTimeline,
    detector: PersonDetector,
    rules: list[Rule],
    offset_s: float,
) -> DetectedLook:
    start = scenario_start(scenario, TIMEZONE)
    return detect_look(
        timeline, detector, rules, SAMPLING, camera_id="walker", scenario_start=start, offset_s=offset_s
    )


def test_someone_in_the_zone_gets_a_clip_tracked_as_one_person(
    scenario: EvalScenario, timeline: EncodedTimeline, detector: PersonDetector, rules: list[Rule]
) -> None:
    detected = _look(scenario, timeline, detector, rules, 1.4)
    start = scenario_start(scenario, TIMEZONE)
    assert detected.started_at == start + timedelta(seconds=1.4)
    assert detected.snapshot_at == start + timedelta(seconds=2.0)  # the next keyframe
    assert len(detected.detections) == len(detected.offsets_s) == 12  # 4 s at 3 fps

    look = detected.at_confidence(0.35, rules)
    assert look.has_clip
    track_ids = {int(i) for frame in look.frames for i in frame.detections.track_ids}
    assert [len(frame.detections) for frame in look.frames] == [1] * 12
    assert len(track_ids) == 1 and track_ids != {-1}
    assert detected.ended_at(look) == detected.snapshot_at + timedelta(seconds=detected.offsets_s[-1])


def test_a_confidence_nobody_reaches_leaves_the_snapshot_alone(
    scenario: EvalScenario, timeline: EncodedTimeline, detector: PersonDetector, rules: list[Rule]
) -> None:
    detected = _look(scenario, timeline, detector, rules, 1.4)
    look = detected.at_confidence(0.99, rules)
    # No one in the snapshot: the patrol would not have taken the clip.
    assert not look.has_clip
    assert len(look.frames[0].detections) == 0
    assert detected.ended_at(look) == detected.snapshot_at


def test_nobody_in_the_zone_takes_no_clip(
    scenario: EvalScenario, timeline: EncodedTimeline, detector: PersonDetector, rules: list[Rule]
) -> None:
    detected = _look(scenario, timeline, detector, rules, 14.0)
    assert len(detected.detections) == 1
    [snapshot] = detected.detections
    # The walker is there, beyond the zone (feet at x 0.66).
    assert len(snapshot.with_min_score(0.35)) == 1
    assert snapshot.foot_points[0, 0] == pytest.approx(0.66, abs=0.03)
    assert not detected.at_confidence(0.35, rules).has_clip
