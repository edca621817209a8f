"""The detector and tracker on real CCTV-like footage: each visitor is found, and the time they
stand at the table matches a hand-made ground truth within one second."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import yaml

from detectors.tracker import track_clip
from patrol.geometry import Polygon
from patrol.rules import Look, ObservedFrame
from patrol.rules.paths import foot_paths
from streams.file import FileSource
from tests.conftest import REPO, SHARED_MEDIA

FOOTAGE = SHARED_MEDIA / "desk_visits_intel_cc-by.mp4"
TRUTH = yaml.safe_load(
    (REPO / "tests" / "data" / "desk_visits_ground_truth.yaml").read_text(encoding="utf-8")
)
FPS = 5.0
WINDOW_S = 20.0
# A visitor's stay at the table survives a second of missed detections; standing still means
# feet moving slower than 5% of the picture width a second (walking is about 20%).
STAY_GAP_S = 1.0
STILL_SPEED = 0.05


@dataclass(frozen=True)
class Stay:
    track_id: int
    arrive: float
    leave: float

    @property
    def dwell(self) -> float:
        return self.leave - self.arrive


@pytest.fixture(scope="module")
def stays(detector) -> list[Stay]:  # type: ignore[no-untyped-def]
    if not FOOTAGE.is_file():
        pytest.skip(f"{FOOTAGE.name} is not in shared/media beside the project")
    frames = []
    start = 0.0
    while True:
        with FileSource(FOOTAGE, start_s=start).open() as stream:
            try:
                first = stream.keyframe()
            except Exception:
                break
            window = [first, *stream.clip(WINDOW_S - 1e-3, FPS)]
        frames += [(start + f.offset_s, f.image) for f in window]
        if len(window) < WINDOW_S * FPS * 0.9:
            break
        start += WINDOW_S
    times = [t for t, _ in frames]
    detections = []
    for batch_start in range(0, len(frames), 16):
        detections += detector.detect([image for _, image in frames[batch_start : batch_start + 16]])
    tracked = track_clip(detections, times)
    look = Look(
        "desk",
        datetime(2026, 11, 30, tzinfo=UTC),
        tuple(ObservedFrame(t, d) for t, d in zip(times, tracked, strict=True)),
    )
    table = Polygon.of("table", tuple(tuple(p) for p in TRUTH["table_zone"]))
    found = []
    for path in foot_paths(look):
        span = path.still_span(table, STILL_SPEED, STAY_GAP_S)
        if span is not None and span[1] - span[0] >= 2.0:
            # A stay lasts until the next picture, which shows the visitor moving.
            found.append(Stay(path.track_id, span[0], span[1] + 1 / FPS))
    return found


def test_each_visitor_is_found_once(stays: list[Stay]) -> None:
    assert len(stays) == len(TRUTH["visitors"]), stays


@pytest.mark.parametrize("index", range(len(TRUTH["visitors"])))
def test_dwell_at_the_table_matches_the_ground_truth_within_a_second(stays: list[Stay], index: int) -> None:
    truth = TRUTH["visitors"][index]
    [stay] = [s for s in stays if s.arrive < truth["leave"] and s.leave > truth["arrive"]]
    print(
        f"{truth['who']}: measured {stay.arrive:.1f}-{stay.leave:.1f} ({stay.dwell:.1f} s), "
        f"truth {truth['arrive']}-{truth['leave']} ({truth['leave'] - truth['arrive']:.1f} s)"
    )
    assert abs(stay.dwell - (truth["leave"] - truth["arrive"])) <= 1.0
    assert abs(stay.arrive - truth["arrive"]) <= 1.0
    assert abs(stay.leave - truth["leave"]) <= 1.0
