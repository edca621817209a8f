"""What the workers can do, learned from the looks as they finish."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from patrol.types import CameraRole

# Weight of the newest look in the moving averages: about the last 50 looks of a role count.
EWMA_ALPHA = 0.02
# Time constant of the measured load of looks the planner must make (guarantees, follow-ups).
LOAD_TIME_CONSTANT_S = 300.0


@dataclass
class _RoleCost:
    ok_s: float
    failed_s: float
    failure_share: float
    looks: int = 0


@dataclass
class LookCosts:
    """Moving averages of how long a look takes, by camera role and outcome, and how often it fails.

    A failed look costs its timeout, so a county with dead cameras needs more workers; the
    averages follow that as it happens.
    """

    prior_ok_s: float = 5.0
    prior_failed_s: float = 8.0
    prior_failure_share: float = 0.02
    _roles: dict[CameraRole, _RoleCost] = field(default_factory=dict)

    def observe(self, role: CameraRole, duration_s: float, *, failed: bool) -> None:
        cost = self._role(role)
        duration_s = max(duration_s, 0.0)
        if failed:
            cost.failed_s += EWMA_ALPHA * (duration_s - cost.failed_s)
        else:
            cost.ok_s += EWMA_ALPHA * (duration_s - cost.ok_s)
        cost.failure_share += EWMA_ALPHA * ((1.0 if failed else 0.0) - cost.failure_share)
        cost.looks += 1

    def expected_s(self, role: CameraRole) -> float:
        """Worker-seconds one look at a camera of this role is expected to take."""
        cost = self._role(role)
        return (1 - cost.failure_share) * cost.ok_s + cost.failure_share * cost.failed_s

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            role.value: {
                "look_s": round(cost.ok_s, 2),
                "failed_look_s": round(cost.failed_s, 2),
                "failure_share": round(cost.failure_share, 4),
            }
            for role, cost in sorted(self._roles.items())
        }

    def _role(self, role: CameraRole) -> _RoleCost:
        cost = self._roles.get(role)
        if cost is None:
            cost = self._roles[role] = _RoleCost(
                self.prior_ok_s, self.prior_failed_s, self.prior_failure_share
            )
        return cost


@dataclass
class MeasuredLoad:
    """Worker-seconds per second spent on one kind of look, decaying with LOAD_TIME_CONSTANT_S."""

    value: float = 0.0
    at: float | None = None

    def add(self, now: float, worker_s: float) -> None:
        self.value = self.at_time(now) + worker_s / LOAD_TIME_CONSTANT_S
        self.at = now

    def at_time(self, now: float) -> float:
        if self.at is None:
            return self.value
        return self.value * math.exp(-max(now - self.at, 0.0) / LOAD_TIME_CONSTANT_S)
