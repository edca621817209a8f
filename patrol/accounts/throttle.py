"""How long a run of failed logins locks a user name or a client address out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    user_free_failures: int = 5
    """Failures in a row a user name may have before it is locked."""
    address_free_failures: int = 20
    """Failures in a row one client address may have, over all user names (guessing many names)."""
    base_lockout_s: float = 30.0
    max_lockout_s: float = 900.0
    forget_after_s: float = 3600.0
    """A run of failures this old, with no lock in force, starts again from zero."""

    def lockout(self, failures: int, free_failures: int) -> timedelta:
        """Zero below the free failures, then 30 s doubling with each further failure, to 15 min."""
        if failures < free_failures:
            return timedelta(0)
        seconds = self.base_lockout_s * 2.0 ** min(failures - free_failures, 32)
        return timedelta(seconds=min(seconds, self.max_lockout_s))
