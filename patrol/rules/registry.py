"""The rules the patrol knows, each declared once in its own module as a ``RuleSpec``.

The config schema, its cross-reference checks, the rule builder, the summaries, the labels, the
dashboard and the scenario files all read this registry; nothing else names the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from detectors.types import Detections
from patrol.rules import guard_absent, loitering, unregistered_entry
from patrol.rules.base import Rule
from patrol.rules.spec import RuleSpec
from patrol.types import EventType

# The one list of rules, in the order they are shown.
RULES: tuple[RuleSpec[Any, Any], ...] = (guard_absent.SPEC, unregistered_entry.SPEC, loitering.SPEC)
RULE_NAMES: tuple[str, ...] = tuple(spec.name for spec in RULES)
_BY_TYPE: dict[EventType, RuleSpec[Any, Any]] = {spec.event_type: spec for spec in RULES}


def rule_spec(event_type: EventType | str) -> RuleSpec[Any, Any] | None:
    """The rule that raises events of this type; None for camera-health events."""
    try:
        return _BY_TYPE.get(EventType(event_type))
    except ValueError:
        return None


def clip_wanted(rules: Iterable[Rule], snapshot: Detections, now: datetime) -> bool:
    """Two-stage sampling: does a rule that declares a clip need want one after this snapshot?"""
    for rule in rules:
        spec = rule_spec(rule.event_type)
        if spec is not None and spec.needs.clip and rule.wants_clip(snapshot, now):
            return True
    return False
