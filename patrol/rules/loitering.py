"""Loitering: someone stays in the zone outside the gate, and is still there on a follow-up look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from detectors.types import Detections
from patrol.geometry import Polygon
from patrol.rules.base import Look, RuleTiming, Verdict, VerdictState
from patrol.rules.paths import foot_paths
from patrol.types import EventType

_STAY_GAP_S = 1.0
# On the follow-up, someone must be in the zone in at least this share of its frames.
_STILL_THERE_SHARE = 0.5


@dataclass
class LoiteringRule:
    zone: Polygon
    min_dwell_s: float
    confirm_after_s: float
    timing: RuleTiming
    # When a long stay was first seen; None while nobody lingers.
    suspected_at: datetime | None = None
    event_type: EventType = EventType.LOITERING

    def wants_clip(self, snapshot: Detections, now: datetime) -> bool:
        return self.timing.active(now) and bool(self.zone.contains(snapshot.foot_points).any())

    def evaluate(self, look: Look, now: datetime) -> Verdict:
        if not self.timing.active(now):
            self.suspected_at = None
            return Verdict(self.event_type, VerdictState.INACTIVE)
        occupied = [bool(self.zone.contains(f.detections.foot_points).any()) for f in look.frames]
        if not any(occupied):
            self.suspected_at = None
            return Verdict(self.event_type, VerdictState.CLEAR)
        if not look.has_clip:
            return Verdict(self.event_type, VerdictState.UNDECIDED)
        stays = {p.track_id: p.longest_stay(self.zone, _STAY_GAP_S) for p in foot_paths(look)}
        longest_track, longest_s = max(stays.items(), key=lambda item: item[1], default=(-1, 0.0))
        evidence_frame = int(np.flatnonzero(occupied)[len(np.flatnonzero(occupied)) // 2])
        details = {
            "zone": self.zone.name,
            "longest_stay_s": round(longest_s, 1),
            "min_dwell_s": self.min_dwell_s,
            "confirm_after_s": self.confirm_after_s,
        }
        if self.suspected_at is None:
            if longest_s < self.min_dwell_s:
                return Verdict(self.event_type, VerdictState.CLEAR, details=details)
            self.suspected_at = now
        waited_s = (now - self.suspected_at).total_seconds()
        details["suspected_at"] = self.suspected_at.isoformat()
        if waited_s < self.confirm_after_s:
            return Verdict(
                self.event_type,
                VerdictState.SUSPECT,
                follow_up_in_s=self.confirm_after_s - waited_s,
                details=details,
                evidence_frame=evidence_frame,
                tracks=(longest_track,),
            )
        if np.mean(occupied) < _STILL_THERE_SHARE:
            self.suspected_at = None
            return Verdict(self.event_type, VerdictState.CLEAR, details=details)
        summary = (
            f"someone in the {self.zone.name} zone at {self.timing.local_clock(self.suspected_at)} "
            f"(stayed {longest_s:.0f} s, threshold {self.min_dwell_s:g} s) and still there at "
            f"{self.timing.local_clock(now)}"
        )
        return Verdict(
            self.event_type,
            VerdictState.FINDING,
            summary,
            details=details,
            evidence_frame=evidence_frame,
            tracks=(longest_track,),
        )
