"""Per-camera rules: small objects with inspectable state, fed looks and the current time.

Each rule lives in its own module and declares itself there (``SPEC``); ``patrol.rules.registry``
lists them and ``patrol.rules.build`` builds a camera's rules from its config.
"""

from patrol.rules.base import Look, ObservedFrame, Rule, RuleTiming, Verdict, VerdictState

__all__ = ["Look", "ObservedFrame", "Rule", "RuleTiming", "Verdict", "VerdictState"]
