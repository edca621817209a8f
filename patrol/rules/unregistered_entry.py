"""Entry without registration: a track crosses the gate line inward without stopping at the desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import numpy as np

from detectors.types import Detections
from patrol.geometry import DirectedLine, Polygon
from patrol.rules.base import Look, RuleTiming, Verdict, VerdictState
from patrol.rules.paths import FootPath, foot_paths
from patrol.types import EventType

# Two missed detections at 3 fps do not end a stay at the desk.
_DESK_GAP_S = 1.0


@dataclass(frozen=True)
class _Entry:
    track_id: int
    crossed_at_s: float
    desk_dwell_s: float
    frame_index: int


@dataclass
class UnregisteredEntryRule:
    line: DirectedLine
    desk: Polygon
    min_desk_dwell_s: float
    min_observed_s: float
    # A lax gate lets some in unregistered and sees others register; one look of proper
    # registrations soon after a walk-in does not end the lapse, nor start a new event.
    settle_s: float
    timing: RuleTiming
    # When the latest walk-in was found; None before any.
    last_walk_in_at: datetime | None = None
    event_type: EventType = EventType.UNREGISTERED_ENTRY
    memory_fields: ClassVar[tuple[str, ...]] = ("last_walk_in_at",)

    def __post_init__(self) -> None:
        # The desk's outermost point, on the line's scale (outside is negative).
        self._desk_far_side = min(float(self.line.side(self.desk.vertices).min()), 0.0)

    def wants_clip(self, snapshot: Detections, now: datetime) -> bool:
        # Always, in the rule's windows: a walk-in crosses the approach in a few seconds, so a
        # snapshot with nobody approaching says nothing about who walks in during the clip.
        return self.timing.active(now)

    def evaluate(self, look: Look, now: datetime) -> Verdict:
        if not self.timing.active(now):
            return Verdict(self.event_type, VerdictState.INACTIVE)
        if not look.has_clip:
            return Verdict(self.event_type, VerdictState.UNDECIDED)
        entries = [entry for path in foot_paths(look) if (entry := self._judged_entry(path))]
        offenders = [e for e in entries if e.desk_dwell_s < self.min_desk_dwell_s]
        details: dict[str, Any] = {
            "line": self.line.name,
            "desk_zone": self.desk.name,
            "min_desk_dwell_s": self.min_desk_dwell_s,
            "entries": [
                {
                    "track": e.track_id,
                    "at": look.time_of(e.crossed_at_s).isoformat(),
                    "desk_dwell_s": round(e.desk_dwell_s, 1),
                }
                for e in entries
            ],
        }
        if offenders:
            self.last_walk_in_at = now
            first = offenders[0]
            summary = (
                f"{len(offenders)} person(s) entered at {self.timing.local_clock(look.time_of(first.crossed_at_s))} "
                f"without registering: stopped {first.desk_dwell_s:.1f} s at the {self.desk.name}, "
                f"required {self.min_desk_dwell_s:g} s"
            )
            return Verdict(
                self.event_type,
                VerdictState.FINDING,
                summary,
                details=details,
                evidence_frame=first.frame_index,
                tracks=tuple(e.track_id for e in offenders),
            )
        if not entries:
            return Verdict(self.event_type, VerdictState.UNDECIDED)
        if self.last_walk_in_at is not None and (now - self.last_walk_in_at).total_seconds() < self.settle_s:
            details["since_last_walk_in_s"] = round((now - self.last_walk_in_at).total_seconds())
            return Verdict(self.event_type, VerdictState.UNDECIDED, details=details)
        return Verdict(self.event_type, VerdictState.CLEAR, details=details)

    def _judged_entry(self, path: FootPath) -> _Entry | None:
        """The track's first inward crossing, if enough of what came before it was watched to judge."""
        side = self.line.side(path.points)
        crossings = np.flatnonzero((side[:-1] < 0) & (side[1:] >= 0))
        if len(crossings) == 0:
            return None
        after = int(crossings[0]) + 1
        crossed_at_s = float(path.times_s[after])
        watched_long = crossed_at_s - float(path.times_s[0]) >= self.min_observed_s
        # First seen farther out than any part of the desk: it had not reached the desk yet,
        # so its whole stop there (or the lack of one) is in the look, however brisk the walk.
        watched_from_beyond_desk = float(side[0]) < self._desk_far_side
        if not (watched_long or watched_from_beyond_desk):
            return None  # it may have registered before the look began
        before = FootPath(
            path.track_id,
            path.times_s[:after],
            path.points[:after],
            path.frame_indices[:after],
            path.heights[:after],
        )
        dwell = before.longest_stay(self.desk, _DESK_GAP_S)
        return _Entry(path.track_id, crossed_at_s, dwell, int(path.frame_indices[after]))
