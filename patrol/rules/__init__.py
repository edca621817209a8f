"""Per-camera rules: small objects with inspectable state, fed looks and the current time."""

from patrol.rules.base import Look, ObservedFrame, Rule, RuleTiming, Verdict, VerdictState
from patrol.rules.build import build_rules
from patrol.rules.guard_absent import GuardAbsentRule
from patrol.rules.loitering import LoiteringRule
from patrol.rules.unregistered_entry import UnregisteredEntryRule

__all__ = [
    "GuardAbsentRule",
    "LoiteringRule",
    "Look",
    "ObservedFrame",
    "Rule",
    "RuleTiming",
    "UnregisteredEntryRule",
    "Verdict",
    "VerdictState",
    "build_rules",
]
