"""Loitering on the simulator's pictures: passers-by are never loiterers, one stayer is one event.

Real parts: the simulator renders real people cut from bus.jpg (always available), encodes the
scenario to H.264, and each look decodes the pictures a camera would send at that moment
(patrol/eval/offline_looks.py), then runs the real detector, tracker and rule. Looks fall at
fixed scenario seconds, a follow-up `confirm_after_s` apart, so the test is deterministic.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from detectors.types import PersonDetector
from patrol.config.schema import DetectorConfig, SamplingConfig
from patrol.eval.harness import DEFAULT_TIMEZONE, scenario_config, scenario_start
from patrol.eval.look_replay import detect_look
from patrol.eval.offline_looks import EncodedTimeline
from patrol.eval.scenario_file import load_scenarios
from patrol.rules import VerdictState
from patrol.rules.build import build_rules
from patrol.rules.loitering import LoiteringRule

# The pavement as the zone: a strip across the whole picture, where a passer-by walking its
# length in 12 s is inside it for all of a 10 s clip.
HEAD = """
    duration_s: 110
    background: street
    patrol:
      max_gap_s: 40
      zones:
        outside: [[0.0, 0.40], [1.0, 0.40], [1.0, 1.00], [0.0, 1.00]]
      rules:
        loitering: {zone: outside, confirm_after_s: 30, windows: [always]}
    actors:
"""
# A new passer-by every 6 s, each 16 s across the picture (12 s across the zone), alternately
# from either side: two people in the zone at once, and someone in it in every picture.
PASSERS_BY = """
      - person: black_coat
        height: 0.5
        path:
          - {t: 0, x: -0.15, y: 0.84}
          - {t: 16, x: 1.15, y: 0.84}
        repeat: {every_s: 12, times: 9}
      - person: fur_coat
        start_s: 6
        height: 0.5
        path:
          - {t: 0, x: 1.15, y: 0.94}
          - {t: 16, x: -0.15, y: 0.94}
        repeat: {every_s: 12, times: 9}
"""
# For someone staying, the same crowd walks behind them, a little farther from the camera.
PASSERS_BY_BEHIND = PASSERS_BY.replace("y: 0.84", "y: 0.80").replace("y: 0.94", "y: 0.72")
SCENARIOS = {
    "passers_by": HEAD + PASSERS_BY,
    "stayer": HEAD
    + PASSERS_BY_BEHIND
    + """
      - person: black_coat
        height: 0.55
        path:
          - {t: 0, x: 0.50, y: 0.93, stay_s: 110}
""",
    "pacer": HEAD
    + PASSERS_BY_BEHIND
    + """
      - person: fur_coat
        height: 0.55
        path:
          - {t: 0, x: 0.35, y: 0.93, stay_s: 2}
          - {t: 6, x: 0.62, y: 0.93, stay_s: 2}
          - {t: 14, x: 0.35, y: 0.93}
        repeat: {every_s: 14, times: 8}
""",
}
LOOKS_AT_S = (2.0, 32.0, 62.0)  # a first look, its follow-up, and one more


def _patrol(name: str, tmp_path: Path, detector: PersonDetector) -> list[VerdictState]:
    folder = tmp_path / "scenarios"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yaml").write_text(textwrap.dedent(SCENARIOS[name]), encoding="utf-8")
    [scenario] = [s for s in load_scenarios(folder) if s.name == name]
    sampling = SamplingConfig()
    config = scenario_config(
        scenario, "cam", "offline", timezone=DEFAULT_TIMEZONE, sampling=sampling, detector=DetectorConfig()
    )
    [rule] = build_rules(config, config.cameras[0])
    assert isinstance(rule, LoiteringRule)
    timeline = EncodedTimeline.of(scenario.video, tmp_path / "cache")
    start = scenario_start(scenario, DEFAULT_TIMEZONE)
    states = []
    for offset_s in LOOKS_AT_S:
        detected = detect_look(
            timeline, detector, [rule], sampling, camera_id="cam", scenario_start=start, offset_s=offset_s
        )
        look = detected.at_confidence(float(DetectorConfig().confidence), [rule])
        in_zone = [bool(rule.zone.contains(f.detections.foot_points).any()) for f in look.frames]
        if name == "passers_by":
            assert all(in_zone), f"a picture of the look at {offset_s} s shows nobody in the zone"
        states.append(rule.evaluate(look, detected.ended_at(look)).state)
    return states


def _events(states: list[VerdictState]) -> int:
    """Events as the store counts them: a finding opens one unless one is ongoing; a clear ends it."""
    events, ongoing = 0, False
    for state in states:
        if state is VerdictState.FINDING and not ongoing:
            events, ongoing = events + 1, True
        elif state is VerdictState.CLEAR:
            ongoing = False
    return events


def test_passers_by_in_every_picture_of_every_look_are_not_loitering(
    tmp_path: Path, detector: PersonDetector
) -> None:
    states = _patrol("passers_by", tmp_path, detector)
    assert _events(states) == 0
    assert VerdictState.SUSPECT not in states  # walking along the pavement is not even a stay


@pytest.mark.parametrize("name", ["stayer", "pacer"])
def test_one_person_staying_among_passers_by_is_exactly_one_event(
    name: str, tmp_path: Path, detector: PersonDetector
) -> None:
    states = _patrol(name, tmp_path, detector)
    assert states[0] is VerdictState.SUSPECT
    assert states[1] is VerdictState.FINDING
    assert _events(states) == 1
