"""Figures for choosing the loitering rule's same-person similarity: pairs of looks a follow-up
apart, and how alike the people who stayed in each are.

For each scenario with a loitering rule, looks fall at seeded random times, each with its
follow-up `confirm_after_s` later, decoded straight from the encoded scenario (see
look_replay). A pair is *same* where the scenario's loiterer is there throughout both looks
and *other* where the scenario expects no loitering; its figure is the highest similarity
between someone staying in the first look and someone staying in the second, or None where
either look saw nobody stay (the rule cannot match then, whatever the threshold).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from detectors.appearance import similarity
from detectors.types import PersonDetector
from patrol.config.schema import DetectorConfig, SamplingConfig
from patrol.eval.harness import DEFAULT_TIMEZONE, last_look_start_s, scenario_config, scenario_start
from patrol.eval.look_replay import detect_look
from patrol.eval.offline_looks import EncodedTimeline
from patrol.eval.scenario_file import EvalScenario
from patrol.eval.threshold_sweep import DEFAULT_CONFIDENCE, DETECTION_FLOOR, look_label
from patrol.rules.build import build_rules
from patrol.rules.loitering import LoiteringRule
from patrol.types import EventType

__all__ = ["DETECTION_FLOOR", "PairFigure", "pair_figures"]


@dataclass(frozen=True)
class PairFigure:
    scenario: str
    offset_s: float  # the first look's scenario second
    same: bool  # the loiterer is there throughout both looks; False: nobody loiters
    similarity: float | None  # best match between the two looks' stayers; None: a look had none


def pair_figures(
    scenario: EvalScenario,
    detector: PersonDetector,
    *,
    pairs: int,
    seed: int,
    cache_dir: Path,
    sampling: SamplingConfig,
) -> list[PairFigure]:
    """`pairs` first looks at random times and their follow-ups; `detector` runs at DETECTION_FLOOR."""
    config = scenario_config(
        scenario, "sweep", "offline", timezone=DEFAULT_TIMEZONE, sampling=sampling, detector=DetectorConfig()
    )
    rules = [r for r in build_rules(config, config.cameras[0]) if isinstance(r, LoiteringRule)]
    if not rules:
        return []
    [rule] = rules
    start = scenario_start(scenario, DEFAULT_TIMEZONE)
    timeline = EncodedTimeline.of(scenario.video, cache_dir)
    rng = random.Random(f"{seed}:{scenario.name}:pairs")
    last_s = last_look_start_s(scenario, sampling) - rule.confirm_after_s
    figures = []
    for offset_s in sorted(rng.uniform(0, last_s) for _ in range(pairs)):
        offsets = (offset_s, offset_s + rule.confirm_after_s)
        labels = {look_label(scenario, EventType("loitering"), o, sampling.clip_s) for o in offsets}
        if len(labels) != 1 or None in labels:
            continue  # straddles an onset or an end: neither same nor other
        stayers = []
        for o in offsets:
            detected = detect_look(
                timeline, detector, [rule], sampling, camera_id="sweep", scenario_start=start, offset_s=o
            )
            look = detected.at_confidence(DEFAULT_CONFIDENCE, [rule])
            stayers.append(rule.stayers(look, detected.ended_at(look)))
        scores = [
            similarity(a.histograms, b.histograms)
            for a in stayers[0]
            for b in stayers[1]
            if a.histograms is not None and b.histograms is not None
        ]
        figures.append(PairFigure(scenario.name, offset_s, labels == {True}, max(scores, default=None)))
    return figures
