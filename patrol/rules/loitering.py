"""Loitering: one person stays in the zone outside the gate, and the same person stays there again
on a follow-up look.

A stay means staying: feet in the zone and within a small square (`stay_reach_heights` person
heights across), or pacing out to twice that and back into it, for `min_dwell_s`, so pacing by
the gate counts and walking along a long stretch of pavement does not. The follow-up must see someone stay again whose appearance
matches a suspect's (`min_similarity`); anyone else on the pavement clears the suspicion.
Once confirmed, the loiterer is remembered, so one person yields one event however many looks
see them, and the event ends only after looks have missed them for `confirm_after_s`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from detectors.appearance import mean_histograms, similarity
from detectors.types import Detections
from patrol.geometry import Polygon
from patrol.rules.base import (
    Comparison,
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
from patrol.rules.spec import LookNeeds, RuleContext, RuleSpec, zone_name
from patrol.rules.stays import Stay, stays
from patrol.types import CameraRole, EventType

# A stay bridges pictures that miss the person for up to this long: someone walking past in
# front hides them for a second or two.
_STAY_GAP_S = 2.0


LOITERING = EventType.declare("loitering")


class LoiteringConfig(RuleConfig):
    zone: str = zone_name("Zone outside the gate watched for lingering")
    min_dwell_s: float = Field(8, ge=1, le=3600, description="Stay within one clip that raises suspicion")
    stay_reach_heights: float = Field(
        1.6,
        gt=0,
        le=20,
        description=(
            "A stay keeps the feet within a square this many person heights across, or paces out to "
            "twice that and back; walking on is passing by"
        ),
    )
    min_similarity: float = Field(
        0.97,
        ge=0,
        le=1,
        description="Appearance similarity at which the follow-up's stayer is taken for the suspect",
    )
    confirm_after_s: float = Field(120, ge=1, le=7200, description="Delay of the confirming look")
    windows: tuple[str, ...] = Field(description="Named windows when the rule applies")


class LoiteringDetails(RuleDetails):
    """The rule's thresholds on a look without a finding; a suspicion adds its first stay."""

    zone: str
    min_dwell_s: float
    stay_reach_heights: float
    min_similarity: float
    confirm_after_s: float
    suspected_at: Moment | None = None
    first_stay_s: float | None = None


class LoiteringFinding(RuleDetails):
    """A confirmed loiterer: both stays and how alike the two looks found the person."""

    zone: str
    min_dwell_s: float
    # Absent from findings stored by earlier versions of the rule, which still read.
    stay_reach_heights: float | None = None
    min_similarity: float | None = None
    confirm_after_s: float | None = None
    suspected_at: Moment
    first_stay_s: float
    first_where: tuple[float, float] | None = None
    follow_up_stay_s: float
    follow_up_where: tuple[float, float] | None = None
    similarity: float


@dataclass(frozen=True)
class Sighting:
    """A person seen staying in the zone on one look."""

    seen_at: datetime  # when the rule judged the look
    track_id: int
    stay_s: float
    where: tuple[float, float]  # median foot point during the stay, normalized
    frame_index: int  # the look's picture from the middle of the stay
    histograms: NDArray[np.float32] | None  # appearance over the stay; None where nothing described it
    crop: NDArray[np.uint8] | None  # thumbnail from the middle of the stay


@dataclass(frozen=True)
class _Match:
    suspect: Sighting
    stayer: Sighting
    similarity: float


@dataclass
class LoiteringRule:
    zone: Polygon
    min_dwell_s: float
    confirm_after_s: float
    timing: RuleTiming
    stay_reach_heights: float = 1.6
    min_similarity: float = 0.97
    # People who stayed on an earlier look, awaiting the follow-up, and since when.
    suspects: tuple[Sighting, ...] = ()
    suspected_at: datetime | None = None
    # The confirmed loiterer of the ongoing event (as first seen), and the look that first missed them.
    loiterer: Sighting | None = None
    loiterer_missed_at: datetime | None = None
    event_type: EventType = LOITERING
    memory_fields: ClassVar[tuple[str, ...]] = ("suspects", "suspected_at", "loiterer", "loiterer_missed_at")

    def wants_clip(self, snapshot: Detections, now: datetime) -> bool:
        if not self.timing.active(now):
            return False
        # A follow-up watches even when the snapshot catches the suspect a step outside the zone.
        pending = bool(self.suspects) or self.loiterer is not None
        return pending or bool(self.zone.contains(snapshot.foot_points).any())

    def evaluate(self, look: Look, now: datetime) -> Verdict:
        if not self.timing.active(now):
            self._forget_all()
            return Verdict(self.event_type, VerdictState.INACTIVE)
        occupied = any(bool(self.zone.contains(f.detections.foot_points).any()) for f in look.frames)
        if not look.has_clip and occupied:
            return Verdict(self.event_type, VerdictState.UNDECIDED)
        paths = foot_paths(look) if look.has_clip else []
        stayers = self.stayers(look, now)
        if self.loiterer is not None:
            return self._watch_loiterer(look, paths, stayers, now)
        if self.suspects and self.suspected_at is not None:
            waited_s = (now - self.suspected_at).total_seconds()
            if waited_s >= self.confirm_after_s:
                return self._follow_up(look, paths, stayers, now)
        if stayers:
            # Someone already suspected who stays again before the follow-up is the same suspect.
            new = [s for s in stayers if self._best_match(self.suspects, [s]) is None]
            self.suspects = (*self.suspects, *new)
            self.suspected_at = self.suspected_at or now
        if not self.suspects:
            return Verdict(self.event_type, VerdictState.CLEAR, details=self._details())
        return self._suspect(stayers, now)

    # Steps ----------------------------------------------------------------------------------

    def _follow_up(
        self, look: Look, paths: list[FootPath], stayers: list[Sighting], now: datetime
    ) -> Verdict:
        match = self._best_match(self.suspects, stayers)
        if match is not None:
            self.suspects, self.suspected_at = (), None
            self.loiterer, self.loiterer_missed_at = match.suspect, None
            return self._finding(match, now)
        if self._seen_without_staying(self.suspects, look, paths, now):
            # The suspect is there but moved about or was lost by the tracker: look once more.
            return self._suspect([], now, follow_up_in_s=self.confirm_after_s)
        # Whoever stays now is someone else: a new suspicion of its own, or none.
        self.suspects = tuple(stayers)
        self.suspected_at = now if stayers else None
        if not stayers:
            return Verdict(self.event_type, VerdictState.CLEAR, details=self._details())
        return self._suspect(stayers, now)

    def _watch_loiterer(
        self, look: Look, paths: list[FootPath], stayers: list[Sighting], now: datetime
    ) -> Verdict:
        assert self.loiterer is not None
        match = self._best_match((self.loiterer,), stayers)
        if match is not None:
            self.loiterer_missed_at = None
            return self._finding(match, now)
        if self._seen_without_staying((self.loiterer,), look, paths, now):
            return Verdict(self.event_type, VerdictState.UNDECIDED, details=self._details())
        if self.loiterer_missed_at is None:
            # Gone, or only out of sight for a moment: the event stays open until a later look agrees.
            self.loiterer_missed_at = now
            return Verdict(
                self.event_type,
                VerdictState.UNDECIDED,
                follow_up_in_s=self.confirm_after_s,
                details=self._details(),
            )
        if (now - self.loiterer_missed_at).total_seconds() < self.confirm_after_s:
            return Verdict(self.event_type, VerdictState.UNDECIDED, details=self._details())
        # The loiterer has left: their event ends; whoever stays now starts a suspicion of their own.
        self._forget_all()
        self.suspects = tuple(stayers)
        self.suspected_at = now if stayers else None
        follow_up = self.confirm_after_s if stayers else None
        return Verdict(self.event_type, VerdictState.CLEAR, follow_up_in_s=follow_up, details=self._details())

    def _suspect(
        self, stayers: list[Sighting], now: datetime, follow_up_in_s: float | None = None
    ) -> Verdict:
        assert self.suspected_at is not None
        if follow_up_in_s is None:
            follow_up_in_s = max(self.confirm_after_s - (now - self.suspected_at).total_seconds(), 1.0)
        longest = max(stayers, key=lambda s: s.stay_s, default=None)
        details = self._details().model_copy(
            update={
                "suspected_at": self.suspected_at,
                "first_stay_s": round(max(s.stay_s for s in self.suspects), 1),
            }
        )
        return Verdict(
            self.event_type,
            VerdictState.SUSPECT,
            follow_up_in_s=follow_up_in_s,
            details=details,
            evidence_frame=longest.frame_index if longest else 0,
            tracks=(longest.track_id,) if longest else (),
        )

    def _finding(self, match: _Match, now: datetime) -> Verdict:
        first, again = match.suspect, match.stayer
        clock = self.timing.local_clock
        details = LoiteringFinding(
            **self._details().model_dump(exclude_none=True),
            suspected_at=first.seen_at,
            first_stay_s=round(first.stay_s, 1),
            first_where=(round(first.where[0], 3), round(first.where[1], 3)),
            follow_up_stay_s=round(again.stay_s, 1),
            follow_up_where=(round(again.where[0], 3), round(again.where[1], 3)),
            similarity=round(match.similarity, 3),
        )
        summary = summary_en(details, now, self.timing.timezone)
        comparison = None
        if first.crop is not None and again.crop is not None:
            comparison = Comparison(
                first.crop,
                again.crop,
                f"{clock(first.seen_at)} / {clock(now)}",
                f"similarity {match.similarity:.3f}",
            )
        return Verdict(
            self.event_type,
            VerdictState.FINDING,
            summary,
            details=details,
            evidence_frame=again.frame_index,
            tracks=(again.track_id,),
            comparison=comparison,
        )

    # Measurements ---------------------------------------------------------------------------

    def stayers(self, look: Look, now: datetime) -> list[Sighting]:
        """Everyone the look saw stay at least `min_dwell_s`."""
        if not look.has_clip:
            return []
        found = stays(look, self.zone, self.stay_reach_heights, self.min_similarity, _STAY_GAP_S)
        # Offsets are float32: 29/3 - 5/3 must count as the 8 s it is.
        return [self._sighting(stay, now) for stay in found if stay.duration_s + 1e-3 >= self.min_dwell_s]

    @staticmethod
    def _sighting(stay: Stay, now: datetime) -> Sighting:
        middle = stay.middle
        where = np.median(stay.points, axis=0).tolist()
        return Sighting(
            now,
            stay.track_ids[middle],
            stay.duration_s,
            (float(where[0]), float(where[1])),
            stay.frame_indices[middle],
            stay.histograms,
            stay.appearances[middle].crop if stay.appearances else None,
        )

    def _best_match(self, known: tuple[Sighting, ...], stayers: list[Sighting]) -> _Match | None:
        best: _Match | None = None
        for suspect in known:
            for stayer in stayers:
                if suspect.histograms is None or stayer.histograms is None:
                    continue
                score = similarity(suspect.histograms, stayer.histograms)
                if score >= self.min_similarity and (best is None or score > best.similarity):
                    best = _Match(suspect, stayer, score)
        return best

    def _seen_without_staying(
        self, known: tuple[Sighting, ...], look: Look, paths: list[FootPath], now: datetime
    ) -> bool:
        """Someone in the zone for part of the look who looks like one of `known`."""
        for path in paths:
            inside = self.zone.contains(path.points)
            if not path.appearances or inside.sum() < 2:
                continue
            seen = Sighting(
                now,
                path.track_id,
                0.0,
                (0.0, 0.0),
                0,
                mean_histograms([a for a, i in zip(path.appearances, inside.tolist(), strict=True) if i]),
                None,
            )
            if self._best_match(known, [seen]) is not None:
                return True
        return False

    def _details(self) -> LoiteringDetails:
        return LoiteringDetails(
            zone=self.zone.name,
            min_dwell_s=self.min_dwell_s,
            stay_reach_heights=self.stay_reach_heights,
            min_similarity=self.min_similarity,
            confirm_after_s=self.confirm_after_s,
        )

    def _forget_all(self) -> None:
        self.suspects, self.suspected_at = (), None
        self.loiterer, self.loiterer_missed_at = None, None


def summary_en(d: LoiteringFinding, seen_at: datetime, zone: ZoneInfo) -> str:
    return (
        f"someone stayed {d.first_stay_s:.0f} s in the {d.zone} zone at {local_clock(d.suspected_at, zone)}; "
        f"the same person (appearance similarity {d.similarity:.3f}) stayed {d.follow_up_stay_s:.0f} s "
        f"again at {local_clock(seen_at, zone)} (a stay counts from {d.min_dwell_s:g} s)"
    )


def summary_zh(d: LoiteringFinding, seen_at: datetime, zone: ZoneInfo) -> str:
    return (
        f"{local_clock(d.suspected_at, zone)} 有人在「{d.zone}」区域停留 {d.first_stay_s:g} 秒；"
        f"{local_clock(seen_at, zone)} 复查时同一人（外观相似度 {d.similarity}）"
        f"再次停留 {d.follow_up_stay_s:g} 秒（停留 {d.min_dwell_s:g} 秒起算）"
    )


def _build(config: LoiteringConfig, context: RuleContext) -> Rule:
    return LoiteringRule(
        context.zone(config.zone),
        config.min_dwell_s,
        config.confirm_after_s,
        context.timing(config.windows),
        stay_reach_heights=config.stay_reach_heights,
        min_similarity=config.min_similarity,
    )


SPEC = RuleSpec(
    event_type=LOITERING,
    order=30,
    config=LoiteringConfig,
    build=_build,
    needs=LookNeeds(clip=True),
    details=LoiteringFinding,
    summary_zh=summary_zh,
    summary_en=summary_en,
    label=("可疑人员徘徊", "Loitering"),
    detail_labels={
        "zone": ("区域", "Zone"),
        "confirm_after_s": ("复查间隔（秒）", "Confirming look after (s)"),
        "min_dwell_s": ("停留阈值（秒）", "Stay threshold (s)"),
        "suspected_at": ("首次怀疑", "First suspected"),
        "first_stay_s": ("首次停留（秒）", "First look's stay (s)"),
        "follow_up_stay_s": ("复查停留（秒）", "Follow-up's stay (s)"),
        "similarity": ("外观相似度", "Appearance similarity"),
        "min_similarity": ("同一人相似度阈值", "Same-person similarity threshold"),
    },
    camera_role=CameraRole.GATE_OUTSIDE,
    swept={"min_dwell_s": (4, 6, 8, 10, 12), "stay_reach_heights": (1.0, 1.25, 1.5, 1.6, 1.75, 2.0, 3.0)},
)
