"""A look detected once at a low confidence floor, replayed as the patrol would see it at higher ones.

Detection is the costly part of a look; tracking and the rules are cheap. Greedy NMS drops a
box only for a better-scoring one, so the detections at a floor, filtered to a higher
confidence, are those the detector gives at that confidence, and one detection pass serves
a whole sweep of confidences. The steps follow ``Looker._observe``: snapshot, a clip only when
a rule wants one after the snapshot, then the tracker over snapshot and clip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from detectors.types import Detections, PersonDetector
from patrol.config.schema import SamplingConfig
from patrol.eval.offline_looks import EncodedTimeline
from patrol.look import described, tracked_look
from patrol.rules import Look, Rule
from patrol.rules.registry import clip_wanted


@dataclass(frozen=True)
class DetectedLook:
    camera_id: str
    started_at: datetime
    snapshot_at: datetime
    offsets_s: tuple[float, ...]  # of the snapshot (0) and the clip frames after it
    detections: tuple[Detections, ...]  # per picture, at the detection floor, described
    aspect: float  # picture width over height

    def at_confidence(self, confidence: float, rules: Sequence[Rule]) -> Look:
        """The look the rules would judge had the detector run at `confidence`."""
        frames = [d.with_min_score(confidence) for d in self.detections]
        if not clip_wanted(rules, frames[0], self.snapshot_at):
            frames = frames[:1]
        return tracked_look(
            self.camera_id, self.started_at, self.offsets_s[: len(frames)], frames, aspect=self.aspect
        )

    def ended_at(self, look: Look) -> datetime:
        """When the look ends, which is when the patrol judges it."""
        return self.snapshot_at + timedelta(seconds=look.frames[-1].offset_s)


def detect_look(
    timeline: EncodedTimeline,
    detector: PersonDetector,
    rules: Sequence[Rule],
    sampling: SamplingConfig,
    *,
    camera_id: str,
    scenario_start: datetime,
    offset_s: float,
) -> DetectedLook:
    """A look starting `offset_s` into the scenario; `detector` runs at the confidence floor."""
    snapshot = timeline.snapshot(offset_s)
    snapshot_at = scenario_start + timedelta(seconds=snapshot.at_s)
    [found] = detector.detect([snapshot.frame.image])
    # Fewer detections never make a rule want a clip that these do not.
    wanted = clip_wanted(rules, found, snapshot_at)
    clip = timeline.clip(snapshot, sampling.clip_s, sampling.clip_fps) if wanted else []
    images = [snapshot.frame.image, *(frame.image for frame in clip)]
    image = snapshot.frame.image
    return DetectedLook(
        camera_id,
        scenario_start + timedelta(seconds=offset_s),
        snapshot_at,
        (0.0, *(frame.offset_s for frame in clip)),
        tuple(described(images, [found, *detector.detect(images[1:])])),
        image.shape[1] / image.shape[0],
    )
