"""One look at one camera: snapshot, a clip when a motion rule wants one, detection, tracking, verdicts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from detectors.tracker import track_clip
from detectors.types import Detections, PersonDetector
from patrol.cameras import PatrolCamera
from patrol.clock import Clock
from patrol.config.schema import SamplingConfig
from patrol.evidence import evidence_jpeg
from patrol.rules import Look, ObservedFrame, Verdict, VerdictState
from patrol.store.records import Finding, LookRecord
from patrol.types import EventType, LookKind, LookOutcome
from streams.errors import StreamAuthRefused, StreamError
from streams.types import Frame

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LookReport:
    """What a look found; the patrol turns it into store writes and follow-ups."""

    record: LookRecord
    verdicts: tuple[Verdict, ...] = ()
    findings: tuple[Finding, ...] = ()
    cleared: tuple[EventType, ...] = ()
    follow_up_in_s: float | None = None


class CameraLooker(Protocol):
    def look(self, camera: PatrolCamera, kind: LookKind) -> LookReport: ...


@dataclass
class Looker:
    detector: PersonDetector
    sampling: SamplingConfig
    clock: Clock

    def look(self, camera: PatrolCamera, kind: LookKind) -> LookReport:
        started_at = self.clock.now()
        try:
            frames, look = self._observe(camera, kind, started_at)
        except StreamError as exc:
            return self._unreachable(camera, kind, started_at, exc)
        now = self.clock.now()
        verdicts = tuple(rule.evaluate(look, now) for rule in camera.rules)
        findings = tuple(
            self._finding(camera, frames, look, verdict, now)
            for verdict in verdicts
            if verdict.state is VerdictState.FINDING
        )
        # A camera that answered is reachable again.
        cleared = (
            EventType.CAMERA_UNREACHABLE,
            *(v.event_type for v in verdicts if v.state is VerdictState.CLEAR),
        )
        follow_ups = [v.follow_up_in_s for v in verdicts if v.follow_up_in_s is not None]
        record = LookRecord(
            camera.id,
            kind,
            started_at,
            now,
            LookOutcome.OK,
            frames=len(frames),
            max_persons=max((len(f.detections) for f in look.frames), default=0),
            detail=", ".join(f"{v.event_type}={v.state}" for v in verdicts),
        )
        return LookReport(record, verdicts, findings, cleared, min(follow_ups, default=None))

    def _observe(
        self, camera: PatrolCamera, kind: LookKind, started_at: datetime
    ) -> tuple[list[Frame], Look]:
        with camera.source.open() as stream:
            snapshot = stream.keyframe()
            [snapshot_detections] = self.detector.detect([snapshot.image])
            now = self.clock.now()
            clip: list[Frame] = []
            if any(rule.wants_clip(snapshot_detections, now) for rule in camera.rules):
                try:
                    clip = stream.clip(self.sampling.clip_s, self.sampling.clip_fps)
                except StreamError as exc:
                    # The camera answered; the rules judge what the snapshot shows.
                    log.warning("camera %s: clip failed, judging the snapshot alone: %s", camera.id, exc)
        frames = [snapshot, *clip]
        detections: list[Detections] = [snapshot_detections, *self.detector.detect([f.image for f in clip])]
        if clip:
            detections = track_clip(detections, [f.offset_s for f in frames])
        observed = tuple(ObservedFrame(f.offset_s, d) for f, d in zip(frames, detections, strict=True))
        return frames, Look(camera.id, started_at, observed, follow_up=kind is LookKind.FOLLOW_UP)

    def _finding(
        self, camera: PatrolCamera, frames: list[Frame], look: Look, verdict: Verdict, now: datetime
    ) -> Finding:
        caption = f"{camera.id} {verdict.event_type} {look.time_of(frames[verdict.evidence_frame].offset_s):%Y-%m-%d %H:%M:%S} UTC"
        jpeg = evidence_jpeg(frames[verdict.evidence_frame].image, look, verdict, camera.drawing, caption)
        details = {**verdict.details, "model": self.detector.name}
        return Finding(
            camera.id,
            verdict.event_type,
            now,
            verdict.summary,
            details,
            jpeg,
            self.detector.name,
            self.detector.sha256,
        )

    def _unreachable(
        self, camera: PatrolCamera, kind: LookKind, started_at: datetime, exc: StreamError
    ) -> LookReport:
        now = self.clock.now()
        outcome = LookOutcome.AUTH_REFUSED if isinstance(exc, StreamAuthRefused) else LookOutcome.UNREACHABLE
        # StreamError messages are built from the redacted address only.
        reason = str(exc)
        log.warning("camera %s: %s", camera.id, reason)
        finding = Finding(
            camera.id,
            EventType.CAMERA_UNREACHABLE,
            now,
            f"camera could not be looked at: {reason}",
            {
                "outcome": outcome.value,
                "reason": reason,
                "waited_s": round((now - started_at).total_seconds(), 2),
            },
        )
        record = LookRecord(camera.id, kind, started_at, now, outcome, detail=reason)
        return LookReport(record, findings=(finding,))
