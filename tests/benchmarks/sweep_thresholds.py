"""How often one look flags each rule's condition, per candidate threshold, where it holds and where not.

Run: .venv/bin/python -m tests.benchmarks.sweep_thresholds [--only NAME ...] [--looks 6] [--json]

`patrol eval` judges whole patrols in real time and takes far too long to repeat per threshold.
This takes random looks at each scenario instead, decodes the pictures each would get from the
scenario's encoded timeline (no RTSP, no waiting), detects persons once per picture and re-runs
the real tracker and rules for every candidate value (patrol/eval/threshold_sweep.py).
Camera-health checks are left out: the scenarios show healthy cameras.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from patrol.config.schema import SamplingConfig
from patrol.eval.command import DEFAULT_CACHE_DIR
from patrol.eval.scenario_file import load_scenarios
from patrol.eval.threshold_sweep import (
    DETECTION_FLOOR,
    ScenarioSweep,
    Tallies,
    Tally,
    default_of,
    sweep_scenario,
)
from tests.conftest import MODEL_NAME, MODELS_DIR, REPO


def _counts(t: Tally) -> str:
    return f"{t.positives_flagged}/{t.positives} positive, {t.negatives_flagged}/{t.negatives} negative"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figures_json(tallies: Tallies) -> dict[str, Any]:
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

    started = time.monotonic()
    detector = YoloPersonDetector(MODELS_DIR, MODEL_NAME, confidence=DETECTION_FLOOR, device=args.device)
    out = sys.stderr if args.json else sys.stdout

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    sweeps: list[ScenarioSweep] = []
    tallies: Tallies = {}
    for scenario in scenarios:
        if scenario.skip_reason is not None:
            say(f"skipped {scenario.name}: {scenario.skip_reason}")
            continue
        sweep = sweep_scenario(
            scenario,
            detector,
            looks=args.looks,
            seed=args.seed,
            cache_dir=args.cache_dir,
            sampling=SamplingConfig(),
        )
        sweeps.append(sweep)
        for key, tally in sweep.tallies.items():
            tallies.setdefault(key, Tally()).merge(tally)
        flagged = "; ".join(f"{rule} {_counts(t)}" for rule, t in sweep.as_configured().items())
        say(f"{sweep.name}: {sweep.frames} frames; looks flagged as configured: {flagged or 'none labelled'}")
    wall_s = time.monotonic() - started
    frames = sum(sweep.frames for sweep in sweeps)
    rules = figures_json(tallies)
    say(tables(rules))
    say(
        f"\n{len(sweeps)} scenarios, {args.looks} looks each, {frames} frames detected, wall time {wall_s:.0f} s"
    )
    if args.json:
        summary = {
            "looks_per_scenario": args.looks,
            "seed": args.seed,
            "detection_floor": DETECTION_FLOOR,
            "frames_detected": frames,
            "wall_s": round(wall_s, 1),
            "rules": rules,
            "scenarios": [
                {
                    "name": sweep.name,
                    "frames": sweep.frames,
                    "as_configured": {rule.value: asdict(t) for rule, t in sweep.as_configured().items()},
                }
                for sweep in sweeps
            ],
        }
        print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
