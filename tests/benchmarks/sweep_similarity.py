"""How alike people look to the loitering rule: the shared footage's six visitors against each
other, and pairs of scenario looks a follow-up apart, per candidate same-person threshold.

Run: .venv/bin/python -m tests.benchmarks.sweep_similarity [--only NAME ...] [--pairs 4]

The visitors are described as the rule describes a stayer (tests/detectors/footage_visitors.py);
the scenario pairs come from patrol/eval/same_person_sweep.py. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from detectors.appearance import similarity
from patrol.config.schema import SamplingConfig
from patrol.eval.command import DEFAULT_CACHE_DIR
from patrol.eval.same_person_sweep import DETECTION_FLOOR, PairFigure, pair_figures
from patrol.eval.scenario_file import load_scenarios
from patrol.rules.loitering import LoiteringConfig
from tests.conftest import MODEL_NAME, MODELS_DIR, REPO

THRESHOLDS = (0.90, 0.93, 0.95, 0.96, 0.965, 0.97, 0.98, 0.99)
DEFAULT = float(LoiteringConfig.model_fields["min_similarity"].default)


def visitor_matrix(detector) -> str:  # type: ignore[no-untyped-def]
    from tests.detectors.footage_visitors import FOOTAGE, visitors

    if not FOOTAGE.is_file():
        return f"{FOOTAGE.name} is not in shared/media beside the project: no real-footage figures"
    found = visitors(detector)
    lines = ["| | " + " | ".join(f"{i + 1}" for i in range(len(found))) + " |"]
    lines.append("|---" * (len(found) + 1) + "|")
    for i, a in enumerate(found):
        cells = [
            f"**{similarity(a.half(False), a.half(True)):.3f}**"
            if i == j
            else f"{similarity(a.whole, b.whole):.3f}"
            for j, b in enumerate(found)
        ]
        lines.append(f"| {i + 1} {a.who} ({len(a.appearances)} pictures) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pair_table(figures: Sequence[PairFigure]) -> str:
    same = [f for f in figures if f.same]
    other = [f for f in figures if not f.same]
    lines = [
        f"{len(same)} same-person pairs ({sum(f.similarity is not None for f in same)} with a stayer in both looks), "
        f"{len(other)} pairs without a loiterer ({sum(f.similarity is not None for f in other)} with a stayer in both)",
        "| threshold | same-person pairs matched | pairs without a loiterer matched |",
        "|---|---|---|",
    ]
    for t in THRESHOLDS:
        mark = " *" if t == DEFAULT else ""
        matched_same = sum(f.similarity is not None and f.similarity >= t for f in same)
        matched_other = sum(f.similarity is not None and f.similarity >= t for f in other)
        lines.append(f"| {t:g}{mark} | {matched_same}/{len(same)} | {matched_other}/{len(other)} |")
    for f in figures:
        if f.similarity is not None:
            lines.append(
                f"  {f.scenario} at {f.offset_s:.0f} s: {'same' if f.same else 'other'} {f.similarity:.3f}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sweep_similarity", description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=Path, default=REPO / "tests" / "scenarios")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only the scenarios with these names")
    parser.add_argument("--pairs", type=int, default=4, help="pairs of looks per scenario (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the look times (default 0)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--device", default="cpu", help="torch device of the detector (default cpu)")
    args = parser.parse_args(argv)
    scenarios = load_scenarios(args.scenarios)
    if args.only:
        scenarios = [s for s in scenarios if s.name in args.only]

    from detectors.yolo import YoloPersonDetector

    started = time.monotonic()
    print(
        "Shared footage, similarity of each visitor's stay to each other's (diagonal: first half to second half):"
    )
    print(visitor_matrix(YoloPersonDetector(MODELS_DIR, MODEL_NAME, device=args.device)), flush=True)
    detector = YoloPersonDetector(MODELS_DIR, MODEL_NAME, confidence=DETECTION_FLOOR, device=args.device)
    figures: list[PairFigure] = []
    for scenario in scenarios:
        if scenario.skip_reason is not None:
            print(f"skipped {scenario.name}: {scenario.skip_reason}")
            continue
        figures += pair_figures(
            scenario,
            detector,
            pairs=args.pairs,
            seed=args.seed,
            cache_dir=args.cache_dir,
            sampling=SamplingConfig(),
        )
    print(pair_table(figures))
    print(f"wall time {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
