"""Loitering: one person stays in the zone outside the gate, and the same person stays there again
on a follow-up look.

A stay means staying: feet in the zone and within a small square (`stay_reach_heights` person
heights across) for `min_dwell_s`, so pacing by the gate counts and walking along a long
stretch of pavement does not. The follow-up must see someone stay again whose appearance
matches a suspect's (`min_similarity`); anyone else on the pavement clears the suspicion.
Once confirmed, the loiterer is remembered, so one person yields one event however many looks
see them, and the event ends only after looks have missed them for `confirm_after_s`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from detectors.appearance import mean_histograms, similarity
from detectors.types import Detections
from patrol.geometry import Polygon
from patrol.rules.base import Comparison, Look, RuleTiming, Verdict, VerdictState
from patrol.rules.paths import FootPath, foot_paths
from patrol.rules.stays import Stay, stays
from patrol.types import EventType

# A stay bridges pictures that miss the person for up to this long: someone walking past in
# front hides them for a second or two.
_STAY_GAP_S = 2.0


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
    event_type: EventType = EventType.LOITERING
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
        details = self._details()
        details["suspected_at"] = self.suspected_at.isoformat()
        details["first_stay_s"] = round(max(s.stay_s for s in self.suspects), 1)
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
        summary = (
            f"someone stayed {first.stay_s:.0f} s in the {self.zone.name} zone at {clock(first.seen_at)}; "
            f"the same person (appearance similarity {match.similarity:.3f}) stayed {again.stay_s:.0f} s "
            f"again at {clock(now)} (a stay counts from {self.min_dwell_s:g} s)"
        )
        details = self._details()
        details.update(
            suspected_at=first.seen_at.isoformat(),
            first_stay_s=round(first.stay_s, 1),
            first_where=[round(v, 3) for v in first.where],
            follow_up_stay_s=round(again.stay_s, 1),
            follow_up_where=[round(v, 3) for v in again.where],
            similarity=round(match.similarity, 3),
        )
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

    def _details(self) -> dict[str, Any]:
        return {
            "zone": self.zone.name,
            "min_dwell_s": self.min_dwell_s,
            "stay_reach_heights": self.stay_reach_heights,
            "min_similarity": self.min_similarity,
            "confirm_after_s": self.confirm_after_s,
        }

    def _forget_all(self) -> None:
        self.suspects, self.suspected_at = (), None
        self.loiterer, self.loiterer_missed_at = None, None
