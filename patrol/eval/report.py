"""An evaluation's figures as a table for people and as JSON for tools."""

from __future__ import annotations

from typing import Any

from patrol.eval.harness import EvalResult, ScenarioRun, TogetherFigures
from patrol.eval.score import EventVerdict, RuleSummary


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def rule_json(summary: RuleSummary) -> dict[str, Any]:
    return {
        "tp": summary.tp,
        "fp": summary.fp,
        "fn": summary.fn,
        "precision": _round(summary.precision),
        "recall": _round(summary.recall),
        "f1": _round(summary.f1),
        "false_alarms_per_camera_hour": _round(summary.false_alarms_per_camera_hour, 2),
        "onset_to_event_s": {
            "median": _round(summary.onset_median_s, 1),
            "max": _round(summary.onset_max_s, 1),
        },
        "excused": summary.excused,
        "duplicates": summary.duplicates,
        "camera_hours": round(summary.camera_hours, 3),
    }


def run_json(run: ScenarioRun) -> dict[str, Any]:
    scenario = run.scenario
    score = run.score
    events = []
    expected = []
    if score is not None:
        events = [
            {
                "rule": o.event.rule.value,
                "raised_s": o.event.raised_s,
                "last_seen_s": o.event.last_seen_s,
                "looks": o.event.looks,
                "verdict": o.verdict.value,
                "expected": o.expectation,
                "duplicate": o.duplicate,
            }
            for o in score.events
        ]
        expected = [
            {
                "rule": o.expectation.rule.value,
                "from_s": o.expectation.from_s,
                "to_s": o.expectation.to_s,
                "tolerance_s": o.expectation.tolerance_s,
                "optional": o.expectation.optional,
                "matched": o.event is not None,
                "onset_to_event_s": (
                    None
                    if o.event is None
                    else round(score.events[o.event].event.raised_s - o.expectation.from_s, 1)
                ),
            }
            for o in score.expectations
        ]
    kinds: dict[str, int] = {}
    for look in run.looks:
        kinds[look.kind.value] = kinds.get(look.kind.value, 0) + 1
    return {
        "name": scenario.name,
        "file": scenario.source.name,
        "repeat": run.repeat + 1,
        "outcome": run.outcome,
        "reason": run.skipped or run.error,
        "rules": [rule.value for rule in scenario.rules],
        "duration_s": scenario.duration_s,
        "wall_s": round(run.wall_s, 1),
        "looks": {
            "total": len(run.looks),
            "by_kind": kinds,
            "with_clip": sum(1 for look in run.looks if look.frames > 1),
            "list": [
                {
                    "kind": look.kind.value,
                    "started_s": look.started_s,
                    "finished_s": look.finished_s,
                    "frames": look.frames,
                    "max_persons": look.max_persons,
                    "verdicts": look.detail,
                }
                for look in run.looks
            ],
        },
        "events": events,
        "expected": expected,
    }


def result_json(result: EvalResult) -> dict[str, Any]:
    settings = result.settings
    return {
        "rules": {rule.value: rule_json(summary) for rule, summary in result.summaries.items()},
        "scenarios": [run_json(run) for run in result.runs],
        "totals": _totals(result),
        "settings": {
            "clip_s": settings.sampling.clip_s,
            "clip_fps": settings.sampling.clip_fps,
            "model": settings.detector.model,
            "confidence": settings.detector.confidence,
            "seed": settings.seed,
            "repeats": settings.repeats,
            "workers": settings.workers,
        },
        "wall_s": round(result.wall_s, 1),
        "together": None if result.together is None else together_json(result.together),
    }


def together_json(together: TogetherFigures) -> dict[str, Any]:
    """The shortfall while every scenario was patrolled at once."""
    planner = together.planner
    shed = planner.random_looks_thinned + planner.random_looks_dropped
    return {
        "look_workers": together.look_workers,
        "random_looks_wanted": planner.random_looks_wanted,
        "random_looks_shed": shed,
        "shed_share": _round(shed / planner.random_looks_wanted if planner.random_looks_wanted else None),
        "looks_late": planner.looks_late,
        "follow_ups_late": planner.follow_ups_late,
        "demand_workers": round(planner.demand_workers, 2),
        "worker_processes": together.worker_processes,
        "looks_lost": together.looks_lost,
        "looks_by_worker": None if together.looks_by_worker is None else dict(together.looks_by_worker),
    }


def _totals(result: EvalResult) -> dict[str, int]:
    totals = {"scenarios": len(result.runs), "pass": 0, "fail": 0, "skipped": 0, "error": 0}
    for run in result.runs:
        totals[run.outcome] += 1
    return totals


def _cell(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(result: EvalResult) -> str:
    header = (
        f"{'rule':<20} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7} {'F1':>6} "
        f"{'FA/cam-h':>8} {'onset median / max':>20}"
    )
    lines = [header, "-" * len(header)]
    for rule, s in result.summaries.items():
        onset = f"{_cell(s.onset_median_s, '.0f')} s / {_cell(s.onset_max_s, '.0f')} s"
        lines.append(
            f"{rule.value:<20} {s.tp:>4} {s.fp:>4} {s.fn:>4} {_cell(s.precision, '.3f'):>9} "
            f"{_cell(s.recall, '.3f'):>7} {_cell(s.f1, '.3f'):>6} "
            f"{_cell(s.false_alarms_per_camera_hour, '.2f'):>8} {onset:>20}"
        )
    totals = _totals(result)
    lines.append("")
    lines.append(
        f"{totals['scenarios']} scenario runs: {totals['pass']} passed, {totals['fail']} failed, "
        f"{totals['skipped']} skipped, {totals['error']} errors; wall time {result.wall_s:.0f} s"
    )
    if result.together is not None:
        figures = together_json(result.together)
        where = (
            ""
            if result.together.worker_processes is None
            else f" over the broker in {result.together.worker_processes} worker processes"
        )
        lost = "" if result.together.looks_lost is None else f", {result.together.looks_lost} lost"
        lines.append(
            f"together, {figures['look_workers']} look workers{where}: {figures['random_looks_shed']} of "
            f"{figures['random_looks_wanted']} random looks shed, {figures['looks_late']} looks late{lost}, "
            f"{figures['follow_ups_late']} follow-ups late, demand {figures['demand_workers']} workers"
        )
    for run in result.runs:
        if run.outcome == "pass":
            continue
        lines.append(f"  {run.outcome}: {run.scenario.name} ({run.scenario.source.name}): {describe(run)}")
    return "\n".join(lines)


def describe(run: ScenarioRun) -> str:
    """One line on what happened in a run."""
    if run.skipped is not None:
        return run.skipped
    if run.error is not None or run.score is None:
        return run.error or "no score"
    parts = []
    for o in run.score.events:
        mark = {
            EventVerdict.TRUE_POSITIVE: "TP",
            EventVerdict.FALSE_POSITIVE: "FP",
            EventVerdict.EXCUSED: "ok",
        }[o.verdict]
        parts.append(f"{o.event.rule} {mark} at {o.event.raised_s:.0f} s")
    for expected in run.score.expectations:
        if expected.missed:
            e = expected.expectation
            parts.append(f"{e.rule} missed ({e.from_s:g}-{e.to_s:g} s)")
    clips = sum(1 for look in run.looks if look.frames > 1)
    looks = f"{len(run.looks)} looks ({clips} with clip), {run.wall_s:.0f} s"
    return f"{', '.join(parts) or 'no events'}; {looks}"
