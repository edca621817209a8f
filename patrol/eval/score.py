"""Scoring: the patrol's events against the findings a scenario expects.

An event is one ongoing condition as the store records it. It is a true positive when it
matches an expected finding of its rule (raised within ``from_s`` to ``to_s + tolerance_s``),
each expected finding matching at most one event; any other event is a false positive
(``duplicate`` when it fell in a window already matched). An expected finding left without
an event is a false negative. Optional expectations excuse a matching event and are never
missed. Pure arithmetic: no detector, no streams.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from patrol.eval.scenario_file import Expectation
from patrol.rules.registry import RULES
from patrol.types import EventType

JUDGED_RULES: tuple[EventType, ...] = tuple(spec.event_type for spec in RULES)


@dataclass(frozen=True)
class ObservedEvent:
    """An event the patrol recorded, in scenario seconds."""

    rule: EventType
    raised_s: float  # when it was first recorded
    last_seen_s: float
    looks: int = 1


class EventVerdict(StrEnum):
    TRUE_POSITIVE = "tp"
    FALSE_POSITIVE = "fp"
    EXCUSED = "excused"  # matched an optional expectation


@dataclass(frozen=True)
class EventOutcome:
    event: ObservedEvent
    verdict: EventVerdict
    expectation: int | None = None  # index of the matched expectation
    duplicate: bool = False  # a false positive inside a window another event already matched


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: Expectation
    event: int | None = None  # index of the matching event

    @property
    def missed(self) -> bool:
        return self.event is None and not self.expectation.optional


@dataclass(frozen=True)
class ScenarioScore:
    events: tuple[EventOutcome, ...]
    expectations: tuple[ExpectationOutcome, ...]

    @property
    def passed(self) -> bool:
        no_false = all(o.verdict is not EventVerdict.FALSE_POSITIVE for o in self.events)
        return no_false and not any(o.missed for o in self.expectations)


def score_scenario(expectations: Sequence[Expectation], events: Sequence[ObservedEvent]) -> ScenarioScore:
    matched_event: dict[int, int] = {}  # expectation index -> event index
    outcomes: list[EventOutcome | None] = [None] * len(events)
    for index in sorted(range(len(events)), key=lambda i: (events[i].raised_s, i)):
        event = events[index]
        admitting = [
            e
            for e, expected in enumerate(expectations)
            if expected.rule is event.rule and expected.admits(event.raised_s)
        ]
        free = [e for e in admitting if e not in matched_event]
        if free:
            # Required before optional; among them the window that closes first, so a later
            # event can still match a later window (greedy by deadline is optimal here).
            chosen = min(
                free,
                key=lambda e: (expectations[e].optional, expectations[e].to_s + expectations[e].tolerance_s),
            )
            matched_event[chosen] = index
            verdict = EventVerdict.EXCUSED if expectations[chosen].optional else EventVerdict.TRUE_POSITIVE
            outcomes[index] = EventOutcome(event, verdict, chosen)
        else:
            outcomes[index] = EventOutcome(event, EventVerdict.FALSE_POSITIVE, duplicate=bool(admitting))
    return ScenarioScore(
        events=tuple(o for o in outcomes if o is not None),
        expectations=tuple(
            ExpectationOutcome(expected, matched_event.get(e)) for e, expected in enumerate(expectations)
        ),
    )


@dataclass
class RuleSummary:
    """One rule's figures over many scenarios."""

    rule: EventType
    tp: int = 0
    fp: int = 0
    fn: int = 0
    excused: int = 0
    duplicates: int = 0
    camera_hours: float = 0.0  # scenario time watched on cameras that have the rule
    onsets_s: list[float] = field(default_factory=list)  # raised_s - from_s of each true positive

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_alarms_per_camera_hour(self) -> float | None:
        return self.fp / self.camera_hours if self.camera_hours else None

    @property
    def onset_median_s(self) -> float | None:
        return statistics.median(self.onsets_s) if self.onsets_s else None

    @property
    def onset_max_s(self) -> float | None:
        return max(self.onsets_s) if self.onsets_s else None

    def add(self, score: ScenarioScore, duration_s: float) -> None:
        """Count one scenario whose camera has this rule."""
        self.camera_hours += duration_s / 3600
        for outcome in score.events:
            if outcome.event.rule is not self.rule:
                continue
            if outcome.verdict is EventVerdict.TRUE_POSITIVE:
                self.tp += 1
                assert outcome.expectation is not None
                self.onsets_s.append(
                    outcome.event.raised_s - score.expectations[outcome.expectation].expectation.from_s
                )
            elif outcome.verdict is EventVerdict.EXCUSED:
                self.excused += 1
            else:
                self.fp += 1
                self.duplicates += outcome.duplicate
        self.fn += sum(1 for o in score.expectations if o.expectation.rule is self.rule and o.missed)

    def below(self, min_precision: float | None, min_recall: float | None) -> list[str]:
        """What falls short of the thresholds; a figure without any case to judge is not held against it."""
        short = []
        if min_precision is not None and self.precision is not None and self.precision < min_precision:
            short.append(f"{self.rule} precision {self.precision:.3f} < {min_precision:g}")
        if min_recall is not None and self.recall is not None and self.recall < min_recall:
            short.append(f"{self.rule} recall {self.recall:.3f} < {min_recall:g}")
        return short


def summarize(
    scored: Iterable[tuple[Iterable[EventType], float, ScenarioScore]],
) -> dict[EventType, RuleSummary]:
    """Per-rule figures from (rules on the camera, duration_s, score) of each scenario."""
    summaries = {rule: RuleSummary(rule) for rule in JUDGED_RULES}
    for rules, duration_s, score in scored:
        for rule in rules:
            if rule in summaries:
                summaries[rule].add(score, duration_s)
    return summaries
