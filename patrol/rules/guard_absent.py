"""Guard absent from post: too few persons in the booth zone on a look and on its follow-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import Field

from detectors.types import Detections
from patrol.geometry import Polygon
from patrol.rules.base import (
    Look,
    Moment,
    Rule,
    RuleConfig,
    RuleDetails,
    RuleTiming,
    Verdict,
    VerdictState,
    awaiting_confirmation,
    local_clock,
)
from patrol.rules.spec import LookNeeds, RuleContext, RuleSpec, zone_name
from patrol.types import CameraRole, EventType

GUARD_ABSENT = EventType.declare("guard_absent")


class GuardAbsentConfig(RuleConfig):
    zone: str = zone_name("Zone where the guard must be")
    min_persons: int = Field(1, ge=1, le=20, description="Persons required in the zone")
    confirm_after_s: float = Field(300, ge=1, le=7200, description="Delay of the confirming look")
    windows: tuple[str, ...] = Field(description="Named duty windows when the rule applies")


class GuardAbsentDetails(RuleDetails):
    zone: str
    persons_in_zone: int
    min_persons: int
    confirm_after_s: float
    first_short_at: Moment


@dataclass
class GuardAbsentRule:
    zone: Polygon
    min_persons: int
    confirm_after_s: float
    timing: RuleTiming
    # When the post was first seen short of people; None while it is staffed.
    first_short_at: datetime | None = None
    event_type: EventType = GUARD_ABSENT
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
            return Verdict(self.event_type, VerdictState.CLEAR)
        if self.first_short_at is None:
            self.first_short_at = now
        details = GuardAbsentDetails(
            zone=self.zone.name,
            persons_in_zone=most,
            min_persons=self.min_persons,
            confirm_after_s=self.confirm_after_s,
            first_short_at=self.first_short_at,
        )
        suspect = awaiting_confirmation(
            self.event_type, self.first_short_at, now, self.confirm_after_s, details
        )
        if suspect is not None:
            return suspect
        summary = summary_en(details, now, self.timing.timezone)
        return Verdict(self.event_type, VerdictState.FINDING, summary, details=details)


def summary_en(d: GuardAbsentDetails, seen_at: datetime, zone: ZoneInfo) -> str:
    noun = "person" if d.min_persons == 1 else "persons"
    return (
        f"{d.zone} empty at {local_clock(d.first_short_at, zone)} and again at {local_clock(seen_at, zone)}; "
        f"required {d.min_persons} {noun}, saw {d.persons_in_zone}"
    )


def summary_zh(d: GuardAbsentDetails, seen_at: datetime, zone: ZoneInfo) -> str:
    return (
        f"「{d.zone}」区域 {local_clock(d.first_short_at, zone)} 首次发现在岗人数不足，"
        f"{d.confirm_after_s:g} 秒后复查（{local_clock(seen_at, zone)}）仍不足："
        f"要求 {d.min_persons} 人，实际 {d.persons_in_zone} 人"
    )


def _build(config: GuardAbsentConfig, context: RuleContext) -> Rule:
    return GuardAbsentRule(
        context.zone(config.zone), config.min_persons, config.confirm_after_s, context.timing(config.windows)
    )


SPEC = RuleSpec(
    event_type=GUARD_ABSENT,
    order=10,
    config=GuardAbsentConfig,
    build=_build,
    needs=LookNeeds(),
    details=GuardAbsentDetails,
    summary_zh=summary_zh,
    summary_en=summary_en,
    label=("门卫脱岗", "Guard absent"),
    detail_labels={
        "zone": ("区域", "Zone"),
        "min_persons": ("要求人数", "Persons required"),
        "persons_in_zone": ("区域内人数", "Persons in zone"),
        "confirm_after_s": ("复查间隔（秒）", "Confirming look after (s)"),
        "first_short_at": ("首次发现无人", "First seen short"),
    },
    camera_role=CameraRole.BOOTH,
)
