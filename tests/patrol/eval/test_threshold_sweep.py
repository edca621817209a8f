"""Labelling looks from a scenario's expectations, and one real sweep over a standing loiterer."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.types import PersonDetector
from patrol.config.schema import SamplingConfig
from patrol.eval.scenario_file import parse_scenario
from patrol.eval.threshold_sweep import look_label, sweep_scenario
from patrol.types import EventType

GATE_AND_STREET = """
duration_s: 200
background: gate_side
patrol:
  zones:
    desk: [[0.30, 0.50], [0.48, 0.50], [0.48, 1.00], [0.30, 1.00]]
    outside: [[0.0, 0.4], [0.3, 0.4], [0.3, 1.0], [0.0, 1.0]]
  lines:
    gate: {points: [[0.55, 0.0], [0.55, 1.0]], inside: [0.90, 0.5]}
  rules:
    unregistered_entry: {line: gate, desk_zone: desk, windows: [always]}
    loitering: {zone: outside, confirm_after_s: 30, windows: [always]}
expect:
  - {rule: unregistered_entry, from_s: 20, to_s: 60}
  - {rule: unregistered_entry, from_s: 100, to_s: 150, optional: true}
"""


@pytest.mark.parametrize(
    ("rule", "offset_s", "label"),
    [
        (EventType("unregistered_entry"), 20.0, True),  # the look starts as the condition does
        (EventType("unregistered_entry"), 50.0, True),  # and its 10 s clip ends as it does
        (EventType("unregistered_entry"), 50.5, None),  # the clip runs past the end
        (EventType("unregistered_entry"), 15.0, None),  # the look starts before the onset
        (EventType("unregistered_entry"), 80.0, None),  # between expectations: not a look-alike
        (EventType("unregistered_entry"), 120.0, None),  # within an optional finding
        (EventType("loitering"), 0.0, False),  # the rule is carried and never expected
        (EventType("loitering"), 120.0, False),
    ],
)
def test_looks_are_labelled_from_the_expectations(
    rule: EventType, offset_s: float, label: bool | None
) -> None:
    scenario = parse_scenario(GATE_AND_STREET, Path("gate.yaml"))
    assert look_label(scenario, rule, offset_s, clip_s=10.0) is label


LOITERER = """
duration_s: 40
loop: true
background: street
patrol:
  zones:
    outside: [[0.15, 0.40], [0.85, 0.40], [0.85, 1.00], [0.15, 1.00]]
  rules:
    loitering: {zone: outside, confirm_after_s: 30, windows: [always]}
actors:
  - person: black_coat  # from bus.jpg, always here (the shared footage may not be)
    height: 0.42
    path:
      - {t: 0, x: 0.62, y: 0.72, stay_s: 40}
expect:
  - {rule: loitering, from_s: 0}
"""


def test_a_stay_as_long_as_the_clip_is_flagged_below_that_length_only(
    detector: PersonDetector, tmp_path: Path
) -> None:
    scenario = parse_scenario(LOITERER, Path("loiterer.yaml"))
    # A 6 s clip at 3 fps: the stay it can see lasts about 5.7 s.
    sampling = SamplingConfig(clip_s=6, clip_fps=3)
    sweep = sweep_scenario(scenario, detector, looks=2, seed=1, cache_dir=tmp_path, sampling=sampling)
    assert sweep.frames == 2 * 18
    flagged = {
        value: (t.positives, t.positives_flagged)
        for (rule, threshold, value), t in sweep.tallies.items()
        if rule is EventType("loitering") and threshold == "min_dwell_s"
    }
    assert flagged == {4: (2, 2), 6: (2, 0), 8: (2, 0), 10: (2, 0), 12: (2, 0)}
    assert sweep.as_configured()[EventType("loitering")].negatives == 0
