"""Entry without registration: a track crosses the gate line inward without stopping at the desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from detectors.types import Detections
from patrol.geometry import DirectedLine, Polygon
from patrol.rules.base import (
    Look,
    Moment,
    Rule,
    RuleConfig,
    RuleDetails,
    RuleTiming,
    Verdict,
    VerdictState,
    local_clock,
)
from patrol.rules.paths import FootPath, foot_paths
from patrol.rules.spec import LookNeeds, RuleContext, RuleSpec, line_name, zone_name
from patrol.types import CameraRole, EventType

# Two missed detections at 3 fps do not end a stay at the desk.
_DESK_GAP_S = 1.0


UNREGISTERED_ENTRY = EventType.declare("unregistered_entry")


class UnregisteredEntryConfig(RuleConfig):
    line: str = line_name("Line a person crosses inward to enter")
    desk_zone: str = zone_name("Zone where visitors must stop to register")
    min_desk_dwell_s: float = Field(3, ge=0.5, le=600, description="Stop at the desk counted as registering")
    min_observed_s: float = Field(
        5,
        ge=0.5,
        le=600,
        description="Time in view before crossing needed to judge someone not seen approaching the desk",
    )
    settle_s: float = Field(
        300,
        ge=0,
        le=86400,
        description="A walk-in event ends on a look where everyone registered, this long after the last walk-in",
    )
    windows: tuple[str, ...] = Field(description="Named windows when entries must register")


class EntryDetails(BaseModel):
    """One person who crossed the gate line inward, and how long they stopped at the desk first."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    track: int
    at: Moment
    desk_dwell_s: float  # rounded to 0.1 s, as shown and as judged


class UnregisteredEntryDetails(RuleDetails):
    line: str
    desk_zone: str
    min_desk_dwell_s: float
    entries: tuple[EntryDetails, ...]
    # On a look soon after a walk-in where everyone registered: seconds since that walk-in.
    since_last_walk_in_s: int | None = None

    def offenders(self) -> list[EntryDetails]:
        return [entry for entry in self.entries if entry.desk_dwell_s < self.min_desk_dwell_s]


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
    event_type: EventType = UNREGISTERED_ENTRY
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
        # Judged on the dwell as stored and shown (0.1 s), so the officer's figures agree with the verdict.
        offenders = [e for e in entries if round(e.desk_dwell_s, 1) < self.min_desk_dwell_s]
        details = UnregisteredEntryDetails(
            line=self.line.name,
            desk_zone=self.desk.name,
            min_desk_dwell_s=self.min_desk_dwell_s,
            entries=tuple(
                EntryDetails(
                    track=e.track_id, at=look.time_of(e.crossed_at_s), desk_dwell_s=round(e.desk_dwell_s, 1)
                )
                for e in entries
            ),
        )
        if offenders:
            self.last_walk_in_at = now
            return Verdict(
                self.event_type,
                VerdictState.FINDING,
                summary_en(details, now, self.timing.timezone),
                details=details,
                evidence_frame=offenders[0].frame_index,
                tracks=tuple(e.track_id for e in offenders),
            )
        if not entries:
            return Verdict(self.event_type, VerdictState.UNDECIDED)
        if self.last_walk_in_at is not None and (now - self.last_walk_in_at).total_seconds() < self.settle_s:
            since_s = round((now - self.last_walk_in_at).total_seconds())
            details = details.model_copy(update={"since_last_walk_in_s": since_s})
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


def _first_offender(d: UnregisteredEntryDetails) -> tuple[int, EntryDetails]:
    offenders = d.offenders()
    if not offenders:
        raise ValueError("the details list no entry without registration")
    return len(offenders), offenders[0]


def summary_en(d: UnregisteredEntryDetails, seen_at: datetime, zone: ZoneInfo) -> str:
    count, first = _first_offender(d)
    return (
        f"{count} person(s) entered at {local_clock(first.at, zone)} without registering: stopped "
        f"{first.desk_dwell_s:.1f} s at the {d.desk_zone}, required {d.min_desk_dwell_s:g} s"
    )


def summary_zh(d: UnregisteredEntryDetails, seen_at: datetime, zone: ZoneInfo) -> str:
    count, first = _first_offender(d)
    return (
        f"{count} 人于 {local_clock(first.at, zone)} 未登记进入：在「{d.desk_zone}」区域仅停留 "
        f"{first.desk_dwell_s:g} 秒，要求 {d.min_desk_dwell_s:g} 秒"
    )


def _entry_rows(d: UnregisteredEntryDetails) -> list[tuple[str, str]]:
    text = "; ".join(f"#{e.track} {e.desk_dwell_s} s" for e in d.entries)
    return [("entries", f"{len(d.entries)} ({text})" if text else str(len(d.entries)))]


def _build(config: UnregisteredEntryConfig, context: RuleContext) -> Rule:
    return UnregisteredEntryRule(
        context.line(config.line),
        context.zone(config.desk_zone),
        config.min_desk_dwell_s,
        config.min_observed_s,
        config.settle_s,
        context.timing(config.windows),
    )


SPEC = RuleSpec(
    event_type=UNREGISTERED_ENTRY,
    order=20,
    config=UnregisteredEntryConfig,
    build=_build,
    needs=LookNeeds(clip=True),
    details=UnregisteredEntryDetails,
    summary_zh=summary_zh,
    summary_en=summary_en,
    label=("进出未登记", "Unregistered entry"),
    detail_labels={
        "line": ("进门线", "Gate line"),
        "desk_zone": ("登记区域", "Registration zone"),
        "min_desk_dwell_s": ("登记停留要求（秒）", "Registration stop required (s)"),
        "entries": ("进入人次", "Entries"),
    },
    detail_rows=_entry_rows,
    camera_role=CameraRole.GATE_INSIDE,
    swept={"min_desk_dwell_s": (1, 2, 3, 4, 6), "min_observed_s": (3, 4, 5, 6, 8)},
)
