"""How often one look flags each rule's condition, per candidate threshold, where it holds and where not.

Run: .venv/bin/python -m tests.benchmarks.sweep_thresholds [--only NAME ...] [--looks 6] [--json]

`patrol eval` judges whole patrols in real time and takes far too long to repeat per threshold.
This takes random looks at each scenario instead, decodes the pictures each would get from the
scenario's encoded timeline, detects persons once per picture at a low confidence floor, and
then re-runs the real tracker and rules for every candidate value. A look counts as flagged
when its rule says SUSPECT or FINDING: confirmation by a follow-up look is about timing.
Camera-health checks are left out; the scenarios show healthy cameras.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from detectors.types import PersonDetector
from patrol.config.schema import (
    DetectorConfig,
    GuardAbsentConfig,
    LoiteringConfig,
    SamplingConfig,
    UnregisteredEntryConfig,
)
from patrol.eval.command import DEFAULT_CACHE_DIR
from patrol.eval.harness import DEFAULT_TIMEZONE, last_look_start_s, scenario_config, scenario_start
from patrol.eval.look_replay import DetectedLook, detect_look
from patrol.eval.offline_looks import EncodedTimeline
from patrol.eval.scenario_file import EvalScenario, load_scenarios
from patrol.rules import Look, Rule, VerdictState, build_rules
from patrol.types import EventType
from tests.conftest import MODEL_NAME, MODELS_DIR, REPO

# Below every candidate confidence: looks are detected once, at this floor (see look_replay).
DETECTION_FLOOR = 0.15
CONFIDENCES = (0.25, 0.35, 0.45, 0.55)
DEFAULT_CONFIDENCE = float(DetectorConfig.model_fields["confidence"].default)
# Each rule's own thresholds to sweep; the detector's confidence is swept for every rule.
RULE_THRESHOLDS: dict[EventType, dict[str, tuple[float, ...]]] = {
    EventType.GUARD_ABSENT: {},
    EventType.UNREGISTERED_ENTRY: {"min_desk_dwell_s": (1, 2, 3, 4, 6), "min_observed_s": (3, 4, 5, 6, 8)},
    EventType.LOITERING: {"min_dwell_s": (4, 6, 8, 10, 12)},
}
# Where each rule's default thresholds are declared.
_RULE_CONFIGS: dict[EventType, type[BaseModel]] = {
    EventType.GUARD_ABSENT: GuardAbsentConfig,
    EventType.UNREGISTERED_ENTRY: UnregisteredEntryConfig,
    EventType.LOITERING: LoiteringConfig,
}
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


def flags(rule: Rule, detected: DetectedLook, look: Look, **thresholds: float) -> bool:
    # A fresh copy: a rule's state from an earlier look would make this one a follow-up.
    fresh = replace(rule, **thresholds)  # type: ignore[type-var]
    return fresh.evaluate(look, detected.ended_at(look)).state in _FLAGGED


def sweep_scenario(
    scenario: EvalScenario,
    detector: PersonDetector,
    *,
    looks: int,
    seed: int,
    cache_dir: Path,
    sampling: SamplingConfig,
    tallies: dict[tuple[EventType, str, float], Tally],
) -> int:
    """Adds the scenario's looks to the tallies; returns how many pictures were detected."""
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
    pictures = 0
    for offset_s in sorted(rng.uniform(0, last_s) for _ in range(looks)):
        detected = detect_look(
            timeline, detector, rules, sampling, camera_id="sweep", scenario_start=start, offset_s=offset_s
        )
        pictures += len(detected.detections)
        by_confidence = {c: detected.at_confidence(c, rules) for c in {*CONFIDENCES, DEFAULT_CONFIDENCE}}
        for rule in rules:
            positive = look_label(scenario, rule.event_type, offset_s, sampling.clip_s)
            if positive is None:
                continue
            for c in CONFIDENCES:
                flagged = flags(rule, detected, by_confidence[c])
                tallies.setdefault((rule.event_type, "confidence", c), Tally()).add(positive, flagged)
            for threshold, values in RULE_THRESHOLDS[rule.event_type].items():
                for value in values:
                    flagged = flags(rule, detected, by_confidence[DEFAULT_CONFIDENCE], **{threshold: value})
                    tallies.setdefault((rule.event_type, threshold, value), Tally()).add(positive, flagged)
    return pictures


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figures_json(tallies: dict[tuple[EventType, str, float], Tally]) -> dict[str, Any]:
    rules: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for (rule, threshold, value), t in sorted(tallies.items()):
        rules.setdefault(rule.value, {}).setdefault(threshold, []).append(
            {
                "value": value,
                "default": value == default_of(rule, threshold),
                "positive_looks": t.positives,
                "flagged_share_positive": _share(t.positives_flagged, t.positives),
                "negative_looks": t.negatives,
                "flagged_share_negative": _share(t.negatives_flagged, t.negatives),
            }
        )
    return rules


def tables(rules: dict[str, dict[str, list[dict[str, Any]]]]) -> str:
    def cell(share: float | None) -> str:
        return "-" if share is None else f"{share:.0%}"

    lines = []
    for rule, thresholds in rules.items():
        for threshold, rows in thresholds.items():
            lines += [
                "",
                f"{rule}, {threshold} (* default)",
                "| value | positive looks | flagged | negative looks | flagged |",
            ]
            lines.append("|---|---|---|---|---|")
            for row in rows:
                mark = " *" if row["default"] else ""
                lines.append(
                    f"| {row['value']:g}{mark} | {row['positive_looks']} | {cell(row['flagged_share_positive'])} "
                    f"| {row['negative_looks']} | {cell(row['flagged_share_negative'])} |"
                )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sweep_thresholds", description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=Path, default=REPO / "tests" / "scenarios")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="sweep only the scenarios with these names")
    parser.add_argument("--looks", type=int, default=6, help="random looks per scenario (default 6)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the look times (default 0)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--json", action="store_true", help="figures as JSON; the tables go to stderr")
    parser.add_argument("--device", default="cpu", help="torch device of the detector (default cpu)")
    args = parser.parse_args(argv)

    scenarios = load_scenarios(args.scenarios)
    if args.only:
        unknown = sorted(set(args.only) - {s.name for s in scenarios})
        if unknown:
            parser.error(f"no scenario named {', '.join(unknown)} in {args.scenarios}")
        scenarios = [s for s in scenarios if s.name in args.only]

    from detectors.yolo import YoloPersonDetector

    detector = YoloPersonDetector(MODELS_DIR, MODEL_NAME, confidence=DETECTION_FLOOR, device=args.device)
    out = sys.stderr if args.json else sys.stdout

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    started = time.monotonic()
    tallies: dict[tuple[EventType, str, float], Tally] = {}
    pictures: Counter[str] = Counter()
    for scenario in scenarios:
        if scenario.skip_reason is not None:
            say(f"skipped {scenario.name}: {scenario.skip_reason}")
            continue
        pictures[scenario.name] = sweep_scenario(
            scenario,
            detector,
            looks=args.looks,
            seed=args.seed,
            cache_dir=args.cache_dir,
            sampling=SamplingConfig(),
            tallies=tallies,
        )
        say(f"{scenario.name}: {args.looks} looks, {pictures[scenario.name]} pictures detected")
    wall_s = time.monotonic() - started
    rules = figures_json(tallies)
    say(tables(rules))
    say(f"\n{len(pictures)} scenarios, {pictures.total()} pictures detected, wall time {wall_s:.0f} s")
    if args.json:
        summary = {
            "scenarios": list(pictures),
            "looks_per_scenario": args.looks,
            "seed": args.seed,
            "detection_floor": DETECTION_FLOOR,
            "pictures_detected": pictures.total(),
            "wall_s": round(wall_s, 1),
            "rules": rules,
        }
        print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
