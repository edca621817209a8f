"""The six visitors of the shared desk footage, described as the loitering rule describes a stayer.

Each visitor stands at the table alone; the pictures of their stay (2 a second, from the
ground truth's arrival to departure) are detected, the visitor is the largest box, and the
descriptions are averaged as the rule averages a stay's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import yaml
from numpy.typing import NDArray

from detectors.appearance import Appearance, describe, mean_histograms
from detectors.types import PersonDetector
from streams.file import FileSource
from tests.conftest import REPO, SHARED_MEDIA

FOOTAGE = SHARED_MEDIA / "desk_visits_intel_cc-by.mp4"
TRUTH = yaml.safe_load(
    (REPO / "tests" / "data" / "desk_visits_ground_truth.yaml").read_text(encoding="utf-8")
)
FPS = 2.0


@dataclass(frozen=True)
class Visitor:
    who: str
    appearances: tuple[Appearance, ...]  # one per picture of the stay, in order

    @property
    def whole(self) -> NDArray[np.float32]:
        return mean_histograms(self.appearances)

    def half(self, second: bool) -> NDArray[np.float32]:
        middle = len(self.appearances) // 2
        return mean_histograms(self.appearances[middle:] if second else self.appearances[:middle])


def visitors(detector: PersonDetector) -> list[Visitor]:
    found = []
    for visit in TRUTH["visitors"]:
        with FileSource(FOOTAGE, start_s=float(visit["arrive"])).open() as stream:
            first = stream.keyframe()
            stay_s = float(visit["leave"]) - float(visit["arrive"])
            frames = [first, *stream.clip(stay_s, FPS)]
        appearances = []
        for frame, detections in zip(frames, detector.detect([f.image for f in frames]), strict=True):
            if not len(detections):
                continue
            areas = np.prod(detections.boxes[:, 2:] - detections.boxes[:, :2], axis=1)
            largest = detections.boxes[int(np.argmax(areas))][None, :]
            appearances.append(describe(frame.image, largest)[0])
        found.append(Visitor(str(visit["who"]), tuple(appearances)))
    return found
