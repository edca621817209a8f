"""Per-look figures for choosing thresholds: how often one look flags a rule's condition where
the scenario shows it and where it shows a look-alike without it, per candidate value.

Looks fall at seeded random times. Each is detected once (see look_replay) and judged by fresh
copies of the camera's real rules with one threshold changed at a time, the others as the
scenario configures them. A look counts as flagged when its rule says SUSPECT or FINDING:
confirmation by a follow-up look is about timing, not thresholds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import BaseModel

from detectors.types import PersonDetector
from patrol.config.schema import DetectorConfig, SamplingConfig
from patrol.eval.harness import DEFAULT_TIMEZONE, last_look_start_s, scenario_config, scenario_start
from patrol.eval.look_replay import DetectedLook, detect_look
from patrol.eval.offline_looks import EncodedTimeline
from patrol.eval.scenario_file import EvalScenario
from patrol.rules import Look, Rule, VerdictState
from patrol.rules.build import build_rules
from patrol.rules.registry import RULES, rule_spec
from patrol.types import EventType

# The detector's confidence while sweeping: below every candidate, filtered up to each (see look_replay).
DETECTION_FLOOR = 0.15
CONFIDENCES = (0.25, 0.35, 0.45, 0.55)
DEFAULT_CONFIDENCE = float(DetectorConfig.model_fields["confidence"].default)
# Each rule's own thresholds to sweep; the detector's confidence is swept for every rule.
RULE_THRESHOLDS: dict[EventType, dict[str, tuple[float, ...]]] = {
    spec.event_type: dict(spec.swept) for spec in RULES
}
# Where each rule's default thresholds are declared.
_RULE_CONFIGS: dict[EventType, type[BaseModel]] = {spec.event_type: spec.config for spec in RULES}
_FLAGGED = (VerdictState.SUSPECT, VerdictState.FINDING)


@dataclass
class Tally:
    positives: int = 0
    positives_flagged: int = 0
    negatives: int = 0
    negatives_flagged: int = 0

    def add(self, positive: bool, flagged: bool) -> None:
        if positive:
            self.positives += 1
            self.positives_flagged += flagged
        else:
            self.negatives += 1
            self.negatives_flagged += flagged

    def merge(self, other: Tally) -> None:
        self.positives += other.positives
        self.positives_flagged += other.positives_flagged
        self.negatives += other.negatives
        self.negatives_flagged += other.negatives_flagged


# Per rule, threshold name and candidate value.
Tallies = dict[tuple[EventType, str, float], Tally]


@dataclass(frozen=True)
class ScenarioSweep:
    name: str
    frames: int  # frames detected
    tallies: Tallies

    def as_configured(self) -> dict[EventType, Tally]:
        """Per rule, its looks with the default confidence and the scenario's own thresholds."""
        return {
            rule: t
            for (rule, threshold, value), t in self.tallies.items()
            if threshold == "confidence" and value == DEFAULT_CONFIDENCE
        }


def default_of(rule: EventType, threshold: str) -> float:
    if threshold == "confidence":
        return DEFAULT_CONFIDENCE
    return float(_RULE_CONFIGS[rule].model_fields[threshold].default)


def look_label(scenario: EvalScenario, rule: EventType, offset_s: float, clip_s: float) -> bool | None:
    """True where the condition holds throughout the look, False where the scenario never
    expects it; None for looks that straddle an onset or end, or meet an optional finding."""
    expected = [e for e in scenario.expectations if e.rule is rule]
    if not expected:
        return False
    within = (not e.optional and e.from_s <= offset_s and offset_s + clip_s <= e.to_s for e in expected)
    return True if any(within) else None


def _flags(rule: Rule, detected: DetectedLook, look: Look, **thresholds: float) -> bool:
    # A fresh copy: a rule's state from an earlier look would make this one a follow-up.
    fresh = replace(rule, **thresholds)  # type: ignore[type-var]
    return fresh.evaluate(look, detected.ended_at(look)).state in _FLAGGED


def _needs_views(rule: Rule) -> bool:
    # Replayed looks carry detections only, not the picture and the labelled views such a rule
    # compares: it would judge nothing, and its tallies would read as all missed.
    spec = rule_spec(rule.event_type)
    return spec is not None and bool(spec.needs.reference_views)


def sweep_scenario(
    scenario: EvalScenario,
    detector: PersonDetector,
    *,
    looks: int,
    seed: int,
    cache_dir: Path,
    sampling: SamplingConfig,
) -> ScenarioSweep:
    """`looks` random looks at the scenario, tallied; `detector` runs at DETECTION_FLOOR."""
    config = scenario_config(
        scenario,
        "sweep",
        "offline",
        timezone=DEFAULT_TIMEZONE,
        sampling=sampling,
        detector=DetectorConfig(),
    )
    rules = build_rules(config, config.cameras[0])
    start = scenario_start(scenario, DEFAULT_TIMEZONE)
    timeline = EncodedTimeline.of(scenario.video, cache_dir)
    rng = random.Random(f"{seed}:{scenario.name}")
    last_s = last_look_start_s(scenario, sampling)
    frames = 0
    tallies: Tallies = {}
    for offset_s in sorted(rng.uniform(0, last_s) for _ in range(looks)):
        detected = detect_look(
            timeline, detector, rules, sampling, camera_id="sweep", scenario_start=start, offset_s=offset_s
        )
        frames += len(detected.detections)
        by_confidence = {c: detected.at_confidence(c, rules) for c in {*CONFIDENCES, DEFAULT_CONFIDENCE}}
        for rule in rules:
            if _needs_views(rule):
                continue
            positive = look_label(scenario, rule.event_type, offset_s, sampling.clip_s)
            if positive is None:
                continue
            for c in CONFIDENCES:
                flagged = _flags(rule, detected, by_confidence[c])
                tallies.setdefault((rule.event_type, "confidence", c), Tally()).add(positive, flagged)
            for threshold, values in RULE_THRESHOLDS[rule.event_type].items():
                for value in values:
                    flagged = _flags(rule, detected, by_confidence[DEFAULT_CONFIDENCE], **{threshold: value})
                    tallies.setdefault((rule.event_type, threshold, value), Tally()).add(positive, flagged)
    return ScenarioSweep(scenario.name, frames, tallies)
