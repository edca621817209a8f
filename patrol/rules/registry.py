"""The rules the patrol knows, each declared once in its own module as a ``RuleSpec``.

Every module of the ``patrol.rules`` package that defines a ``SPEC`` is a rule: the registry
imports them all and orders them by the ``order`` each spec declares. The config schema, its
cross-reference checks, the rule builder, the summaries, the labels, the dashboard and the
scenario files read this registry; nothing names the rules.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import patrol.rules
from detectors.types import Detections
from patrol.rules.base import Rule
from patrol.rules.spec import RuleSpec
from patrol.types import EventType


def _discovered() -> tuple[RuleSpec[Any, Any], ...]:
    specs: list[RuleSpec[Any, Any]] = []
    for module_info in pkgutil.iter_modules(patrol.rules.__path__, f"{patrol.rules.__name__}."):
        module = importlib.import_module(module_info.name)
        spec = getattr(module, "SPEC", None)
        if isinstance(spec, RuleSpec):
            specs.append(spec)
    orders = [spec.order for spec in specs]
    if len(set(orders)) != len(orders):
        raise TypeError(f"two rules declare the same order: {sorted(orders)}")
    return tuple(sorted(specs, key=lambda spec: spec.order))


# The rules, in the order they are shown.
RULES: tuple[RuleSpec[Any, Any], ...] = _discovered()
RULE_NAMES: tuple[str, ...] = tuple(spec.name for spec in RULES)
_BY_TYPE: dict[str, RuleSpec[Any, Any]] = {spec.name: spec for spec in RULES}


def rule_spec(event_type: EventType | str) -> RuleSpec[Any, Any] | None:
    """The rule that raises events of this type; None for camera-health events."""
    return _BY_TYPE.get(str(event_type))


def clip_wanted(rules: Iterable[Rule], snapshot: Detections, now: datetime) -> bool:
    """Two-stage sampling: does a rule that declares a clip need want one after this snapshot?"""
    for rule in rules:
        spec = rule_spec(rule.event_type)
        if spec is not None and spec.needs.clip and rule.wants_clip(snapshot, now):
            return True
    return False


def reference_labels(rules: Iterable[Rule]) -> tuple[str, ...]:
    """The labelled reference views any of these rules needs (each label once, in order)."""
    labels: list[str] = []
    for rule in rules:
        spec = rule_spec(rule.event_type)
        if spec is not None:
            labels += [label for label in spec.needs.reference_views if label not in labels]
    return tuple(labels)
