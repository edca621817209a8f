"""Guard absent from post: too few persons in the booth zone on a look and on its follow-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import numpy as np

from detectors.types import Detections
from patrol.geometry import Polygon
from patrol.rules.base import Look, RuleTiming, Verdict, VerdictState
from patrol.types import EventType


@dataclass
class GuardAbsentRule:
    zone: Polygon
    min_persons: int
    confirm_after_s: float
    timing: RuleTiming
    # When the post was first seen short of people; None while it is staffed.
    first_short_at: datetime | None = None
    event_type: EventType = EventType.GUARD_ABSENT
    memory_fields: ClassVar[tuple[str, ...]] = ("first_short_at",)

    def wants_clip(self, snapshot: Detections, now: datetime) -> bool:
        return False

    def evaluate(self, look: Look, now: datetime) -> Verdict:
        if not self.timing.active(now):
            self.first_short_at = None
            return Verdict(self.event_type, VerdictState.INACTIVE)
        counts = [int(np.count_nonzero(self.zone.contains(f.detections.foot_points))) for f in look.frames]
        most = max(counts, default=0)
        if most >= self.min_persons:
            self.first_short_at = None
            return Verdict(self.event_type, VerdictState.CLEAR, details={"persons_in_zone": most})
        if self.first_short_at is None:
            self.first_short_at = now
        waited_s = (now - self.first_short_at).total_seconds()
        details = {
            "zone": self.zone.name,
            "persons_in_zone": most,
            "min_persons": self.min_persons,
            "confirm_after_s": self.confirm_after_s,
            "first_short_at": self.first_short_at.isoformat(),
        }
        if waited_s < self.confirm_after_s:
            return Verdict(
                self.event_type,
                VerdictState.SUSPECT,
                follow_up_in_s=self.confirm_after_s - waited_s,
                details=details,
            )
        noun = "person" if self.min_persons == 1 else "persons"
        summary = (
            f"{self.zone.name} empty at {self.timing.local_clock(self.first_short_at)} and again at "
            f"{self.timing.local_clock(now)}; required {self.min_persons} {noun}, saw {most}"
        )
        return Verdict(self.event_type, VerdictState.FINDING, summary, details=details)
