"""One look at one camera: snapshot, a clip when a motion rule wants one, detection, tracking, verdicts."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, runtime_checkable

import cv2
import numpy as np
from numpy.typing import NDArray

from detectors.appearance import describe
from detectors.tracker import track_clip
from detectors.types import Detections, PersonDetector
from patrol.cameras import PatrolCamera
from patrol.clip_watch import watch_clip
from patrol.clock import Clock
from patrol.config.schema import SamplingConfig
from patrol.evidence import captioned_jpeg, evidence_jpeg
from patrol.health import HealthReport, HealthVerdict, reference_image
from patrol.records import Finding, LookRecord, ReferenceRecord
from patrol.rules import Look, ObservedFrame, Verdict, VerdictState
from patrol.rules.registry import clip_wanted, reference_labels, rule_spec
from patrol.types import EventType, LookKind, LookOutcome
from streams.errors import StreamAuthRefused, StreamError
from streams.types import Frame

log = logging.getLogger(__name__)


class ReferenceBook(Protocol):
    """Where cameras' reference views are kept (the store)."""

    def get_reference(self, camera_id: str) -> ReferenceRecord | None: ...


@runtime_checkable
class LabelledViewBook(Protocol):
    """Where the labelled reference views rules compare looks with are kept (the store)."""

    def labelled_views(self, camera_id: str) -> dict[str, bytes]: ...


@dataclass(frozen=True)
class LookReport:
    """What a look found; the patrol turns it into store writes and follow-ups."""

    record: LookRecord
    verdicts: tuple[Verdict, ...] = ()
    findings: tuple[Finding, ...] = ()
    cleared: tuple[EventType, ...] = ()
    follow_up_in_s: float | None = None
    new_reference: ReferenceRecord | None = None


@dataclass(frozen=True)
class _Observation:
    frames: list[Frame]
    look: Look
    health: HealthReport
    reference: ReferenceRecord | None


class CameraLooker(Protocol):
    def look(self, camera: PatrolCamera, kind: LookKind) -> LookReport: ...


@dataclass
class Looker:
    detector: PersonDetector
    sampling: SamplingConfig
    clock: Clock
    references: ReferenceBook | None = None
    # Labelled views for rules that declare a need for them; by default the reference book's.
    views: LabelledViewBook | None = None

    def __post_init__(self) -> None:
        if self.views is None and isinstance(self.references, LabelledViewBook):
            self.views = self.references

    def look(self, camera: PatrolCamera, kind: LookKind) -> LookReport:
        started_at = self.clock.now()
        try:
            seen = self._observe(camera, kind, started_at)
        except StreamError as exc:
            return self._unreachable(camera, kind, started_at, exc)
        now = self.clock.now()
        snapshot = seen.frames[0].image
        findings = [
            self._health_finding(camera, snapshot, seen, verdict, now)
            for verdict in seen.health.verdicts
            if verdict.faulty
        ]
        # A camera that answered is reachable again, and each check it passed clears its fault.
        cleared = [EventType.CAMERA_UNREACHABLE, EventType.CAMERA_AUTH_REFUSED]
        cleared += [v.event_type for v in seen.health.verdicts if not v.faulty]
        verdicts: tuple[Verdict, ...] = ()
        new_reference = None
        if seen.health.usable:
            # A faulty picture is not judged: a covered lens is not an empty booth. A rule
            # without the reference views it declares is not judged either: it says so instead.
            unconfigured = {
                rule.event_type: missing
                for rule in camera.rules
                if (missing := _missing_views(rule.event_type, seen.look))
            }
            verdicts = tuple(
                rule.evaluate(seen.look, now) for rule in camera.rules if rule.event_type not in unconfigured
            )
            if unconfigured:
                findings.append(_unconfigured(camera.id, unconfigured, snapshot, now))
            elif reference_labels(camera.rules):
                cleared.append(EventType.RULE_UNCONFIGURED)
            findings += [
                self._finding(camera, seen.frames, seen.look, v, now)
                for v in verdicts
                if v.state is VerdictState.FINDING
            ]
            cleared += [v.event_type for v in verdicts if v.state is VerdictState.CLEAR]
            if seen.reference is None and self.references is not None:
                new_reference = ReferenceRecord(
                    camera.id,
                    _jpeg(snapshot),
                    now,
                    seen.health.signals.sharpness,
                    seen.health.signals.dark_share,
                )
        follow_ups = [v.follow_up_in_s for v in verdicts if v.follow_up_in_s is not None]
        faults = [v.event_type.value for v in seen.health.verdicts if v.faulty]
        record = LookRecord(
            camera.id,
            kind,
            started_at,
            now,
            LookOutcome.OK,
            frames=len(seen.frames),
            max_persons=max((len(f.detections) for f in seen.look.frames), default=0),
            detail=", ".join(faults + [f"{v.event_type}={v.state}" for v in verdicts]),
        )
        return LookReport(
            record, verdicts, tuple(findings), tuple(cleared), min(follow_ups, default=None), new_reference
        )

    def _observe(self, camera: PatrolCamera, kind: LookKind, started_at: datetime) -> _Observation:
        reference = self.references.get_reference(camera.id) if self.references is not None else None
        with camera.source.open() as stream:
            snapshot = stream.keyframe()
            health = camera.health.inspect(snapshot.image, reference)
            if health.suspects_frozen:
                # Confirm on the next keyframe, which then serves as the snapshot.
                with contextlib.suppress(StreamError):
                    later = stream.keyframe()
                    health = camera.health.recheck_frozen(health, later.image)
                    snapshot = later
            snapshot_detections = Detections.empty()
            clip: list[Frame] = []
            clip_detections: list[Detections] = []
            if health.usable:
                [snapshot_detections] = self.detector.detect([snapshot.image])
                now = self.clock.now()
                if clip_wanted(camera.rules, snapshot_detections, now):
                    try:
                        clip, clip_detections = watch_clip(
                            stream.clip(self.sampling.clip_s, self.sampling.clip_fps), self.detector
                        )
                    except StreamError as exc:
                        # The camera answered; the rules judge what the snapshot shows.
                        log.warning("camera %s: clip failed, judging the snapshot alone: %s", camera.id, exc)
        frames = [snapshot, *clip]
        views = self._views(camera)
        look = tracked_look(
            camera.id,
            started_at,
            [f.offset_s for f in frames],
            described([f.image for f in frames], [snapshot_detections, *clip_detections]),
            follow_up=kind is LookKind.FOLLOW_UP,
            aspect=_aspect(snapshot.image),
        )
        if views is not None:
            look = replace(look, picture=snapshot.image, reference_views=views)
        return _Observation(frames, look, health, reference)

    def _views(self, camera: PatrolCamera) -> dict[str, NDArray[np.uint8]] | None:
        """The labelled views the camera's rules declare, decoded; None when none declares any."""
        labels = reference_labels(camera.rules)
        if not labels:
            return None
        stored = self.views.labelled_views(camera.id) if self.views is not None else {}
        decoded = {label: _decoded(stored[label]) for label in labels if label in stored}
        return {label: picture for label, picture in decoded.items() if picture is not None}

    def _health_finding(
        self,
        camera: PatrolCamera,
        snapshot: NDArray[np.uint8],
        seen: _Observation,
        verdict: HealthVerdict,
        now: datetime,
    ) -> Finding:
        picture = snapshot
        if verdict.event_type is EventType.CAMERA_MOVED and seen.reference is not None:
            # Side by side, so the officer sees what the camera should show and what it shows.
            reference = cv2.resize(reference_image(seen.reference), (snapshot.shape[1], snapshot.shape[0]))
            picture = np.hstack([reference, snapshot])
        caption = f"{camera.id} {verdict.event_type} {now:%Y-%m-%d %H:%M:%S} UTC"
        return Finding(
            camera.id,
            verdict.event_type,
            now,
            verdict.summary,
            verdict.details,
            captioned_jpeg(picture, caption),
        )

    def _finding(
        self, camera: PatrolCamera, frames: list[Frame], look: Look, verdict: Verdict, now: datetime
    ) -> Finding:
        # Seen when its evidence frame was taken, not when a slow look finished judging it.
        seen_at = min(look.time_of(frames[verdict.evidence_frame].offset_s), now)
        caption = f"{camera.id} {verdict.event_type} {seen_at:%Y-%m-%d %H:%M:%S} UTC"
        jpeg = evidence_jpeg(frames[verdict.evidence_frame].image, look, verdict, camera.drawing, caption)
        # Typed and validated by the rule; stored as the JSON it has always been.
        measured = verdict.details.stored() if verdict.details is not None else {}
        details = {**measured, "model": self.detector.name}
        return Finding(
            camera.id,
            verdict.event_type,
            seen_at,
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
        refused = isinstance(exc, StreamAuthRefused)
        outcome = LookOutcome.AUTH_REFUSED if refused else LookOutcome.UNREACHABLE
        found, other = (
            (EventType.CAMERA_AUTH_REFUSED, EventType.CAMERA_UNREACHABLE)
            if refused
            else (EventType.CAMERA_UNREACHABLE, EventType.CAMERA_AUTH_REFUSED)
        )
        # StreamError messages are built from the redacted address only.
        reason = str(exc)
        log.warning("camera %s: %s", camera.id, reason)
        finding = Finding(
            camera.id,
            found,
            now,
            f"camera could not be looked at: {reason}",
            {
                "outcome": outcome.value,
                "reason": reason,
                "waited_s": round((now - started_at).total_seconds(), 2),
            },
        )
        record = LookRecord(camera.id, kind, started_at, now, outcome, detail=reason)
        return LookReport(record, findings=(finding,), cleared=(other,))


def tracked_look(
    camera_id: str,
    started_at: datetime,
    offsets_s: Sequence[float],
    detections: Sequence[Detections],
    *,
    follow_up: bool = False,
    aspect: float | None = None,
) -> Look:
    """The look the rules judge: the snapshot's detections, then the clip's, linked into tracks."""
    if len(detections) > 1:
        detections = track_clip(list(detections), list(offsets_s))
    observed = tuple(ObservedFrame(o, d) for o, d in zip(offsets_s, detections, strict=True))
    if aspect is None:
        return Look(camera_id, started_at, observed, follow_up=follow_up)
    return Look(camera_id, started_at, observed, follow_up=follow_up, aspect=aspect)


def described(images: Sequence[NDArray[np.uint8]], detections: Sequence[Detections]) -> list[Detections]:
    """Each person's appearance, cut from the picture while the pixels are at hand: rules see
    only detections, and a follow-up must tell whether it shows the same person."""
    return [d.with_appearances(describe(image, d.boxes)) for image, d in zip(images, detections, strict=True)]


def _missing_views(event_type: EventType, look: Look) -> tuple[str, ...]:
    spec = rule_spec(event_type)
    if spec is None:
        return ()
    return tuple(label for label in spec.needs.reference_views if label not in look.reference_views)


def _unconfigured(
    camera_id: str, missing: dict[EventType, tuple[str, ...]], snapshot: NDArray[np.uint8], now: datetime
) -> Finding:
    """A camera-health style notice: a rule cannot judge this camera until its views are taken."""
    what = "; ".join(f"{rule} lacks {', '.join(labels)}" for rule, labels in missing.items())
    summary = f"rules cannot judge until their reference views are taken: {what}"
    details = {
        "rules": [rule.value for rule in missing],
        "missing": {rule.value: list(labels) for rule, labels in missing.items()},
    }
    caption = f"{camera_id} {EventType.RULE_UNCONFIGURED} {now:%Y-%m-%d %H:%M:%S} UTC"
    return Finding(
        camera_id, EventType.RULE_UNCONFIGURED, now, summary, details, captioned_jpeg(snapshot, caption)
    )


def _decoded(jpeg: bytes) -> NDArray[np.uint8] | None:
    picture = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    return None if picture is None else np.asarray(picture, np.uint8)


def _aspect(image: NDArray[np.uint8]) -> float:
    return image.shape[1] / image.shape[0]


def _jpeg(image: NDArray[np.uint8]) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise RuntimeError("OpenCV could not encode the reference picture")
    return encoded.tobytes()
