"""Camera health on each look: blank, frozen, obstructed, or moved from its reference view.

The reference is the first good picture of a camera (an administrator may reset it); a picture
with any fault is not judged by the person rules, so a dead lens never reads as an empty booth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import cv2
import numpy as np
from numpy.typing import NDArray

from patrol.health.signals import PictureSignals, measure, picture_difference, view_shift
from patrol.records import ReferenceRecord
from patrol.types import EventType


@dataclass(frozen=True)
class HealthThresholds:
    blank_max_contrast: float = 6.0
    frozen_max_difference: float = 0.25
    obstructed_sharpness_ratio: float = 0.2
    obstructed_min_sharpness: float = 8.0
    covered_dark_share: float = 0.6
    moved_min_in_place: int = 25  # reference features still where they were
    moved_tolerance: float = 0.02  # how far a feature may drift, as a share of the width


def reference_image(reference: ReferenceRecord) -> NDArray[np.uint8]:
    decoded = cv2.imdecode(np.frombuffer(reference.jpeg, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise ValueError(f"the reference picture of camera {reference.camera_id} cannot be decoded")
    return np.asarray(decoded, np.uint8)


@dataclass(frozen=True)
class HealthVerdict:
    event_type: EventType
    faulty: bool
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthReport:
    verdicts: tuple[HealthVerdict, ...]
    signals: PictureSignals

    @property
    def usable(self) -> bool:
        return not any(v.faulty for v in self.verdicts)

    @property
    def suspects_frozen(self) -> bool:
        return any(v.faulty and v.event_type is EventType.CAMERA_FROZEN for v in self.verdicts)


@dataclass
class CameraHealth:
    thresholds: HealthThresholds = field(default_factory=HealthThresholds)
    # The previous look's picture: a frozen camera sends the same picture look after look.
    previous_grey: NDArray[np.uint8] | None = None
    memory_fields: ClassVar[tuple[str, ...]] = ("previous_grey",)

    def inspect(self, image: NDArray[np.uint8], reference: ReferenceRecord | None) -> HealthReport:
        signals = measure(image)
        verdicts = [self._blank(signals)]
        blank = verdicts[0].faulty
        if not blank:
            verdicts.append(self._frozen(signals))
            verdicts.append(self._obstructed(signals, reference))
            if reference is not None and not verdicts[-1].faulty:
                verdicts.append(self._moved(image, reference))
        self.previous_grey = signals.grey
        return HealthReport(tuple(verdicts), signals)

    def recheck_frozen(self, report: HealthReport, later: NDArray[np.uint8]) -> HealthReport:
        """A picture that matches the previous look's may be chance (a scene that repeats); a frozen
        camera also sends the very same picture a keyframe later within the same look."""
        difference = picture_difference(report.signals.grey, measure(later).grey)
        if self._same_picture(difference):
            return report
        verdicts = tuple(
            HealthVerdict(
                EventType.CAMERA_FROZEN,
                False,
                "",
                {**v.details, "within_look_difference": _rounded(difference)},
            )
            if v.event_type is EventType.CAMERA_FROZEN
            else v
            for v in report.verdicts
        )
        return HealthReport(verdicts, report.signals)

    def _blank(self, signals: PictureSignals) -> HealthVerdict:
        faulty = signals.contrast < self.thresholds.blank_max_contrast
        details = {"contrast": round(signals.contrast, 2), "brightness": round(signals.brightness, 1),
                   "max_contrast": self.thresholds.blank_max_contrast}  # fmt: skip
        summary = (
            f"picture is blank: contrast {signals.contrast:.1f} (below {self.thresholds.blank_max_contrast:g}), "
            f"brightness {signals.brightness:.0f}"
        )
        return HealthVerdict(EventType.CAMERA_BLANK, faulty, summary if faulty else "", details)

    def _frozen(self, signals: PictureSignals) -> HealthVerdict:
        if self.previous_grey is None:
            return HealthVerdict(EventType.CAMERA_FROZEN, False)
        difference = picture_difference(signals.grey, self.previous_grey)
        faulty = self._same_picture(difference)
        details = {
            "difference": _rounded(difference),
            "max_difference": self.thresholds.frozen_max_difference,
        }
        summary = f"picture identical to the previous look (difference {difference or 0.0:.2f} grey levels)"
        return HealthVerdict(EventType.CAMERA_FROZEN, faulty, summary if faulty else "", details)

    def _same_picture(self, difference: float | None) -> bool:
        return difference is not None and difference < self.thresholds.frozen_max_difference

    def _obstructed(self, signals: PictureSignals, reference: ReferenceRecord | None) -> HealthVerdict:
        limits = self.thresholds
        if reference is None:
            defocused = signals.sharpness < limits.obstructed_min_sharpness
            covered = signals.dark_share >= limits.covered_dark_share
        else:
            defocused = signals.sharpness < limits.obstructed_sharpness_ratio * reference.sharpness
            covered = signals.dark_share >= limits.covered_dark_share > 2 * reference.dark_share
        details = {
            "sharpness": round(signals.sharpness, 1),
            "reference_sharpness": round(reference.sharpness, 1) if reference else None,
            "dark_share": round(signals.dark_share, 3),
        }
        if covered:
            summary = f"lens covered: {signals.dark_share:.0%} of the picture is dark"
        elif defocused:
            summary = f"picture out of focus or obstructed: sharpness {signals.sharpness:.0f}"
            if reference is not None:
                summary += f", reference {reference.sharpness:.0f}"
        else:
            summary = ""
        return HealthVerdict(EventType.CAMERA_OBSTRUCTED, covered or defocused, summary, details)

    def _moved(self, image: NDArray[np.uint8], reference: ReferenceRecord) -> HealthVerdict:
        limits = self.thresholds
        shift = view_shift(reference_image(reference), image, limits.moved_tolerance)
        faulty = shift.in_place < limits.moved_min_in_place
        details = {
            "features_in_place": shift.in_place,
            "features_matched": shift.matched,
            "min_in_place": limits.moved_min_in_place,
            "dominant_shift": round(shift.shift, 3),
            "dominant_rotation_deg": round(shift.rotation_deg, 1),
            "reference_taken_at": reference.taken_at.isoformat(),
        }
        summary = (
            f"view moved from its reference of {reference.taken_at:%Y-%m-%d %H:%M} UTC: only {shift.in_place} "
            f"landmarks in place (at least {limits.moved_min_in_place} needed)"
        )
        return HealthVerdict(EventType.CAMERA_MOVED, faulty, summary if faulty else "", details)


def _rounded(difference: float | None) -> float | None:
    return None if difference is None else round(difference, 3)
