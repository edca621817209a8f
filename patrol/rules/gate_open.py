"""Gate left open (校门未关闭): in its windows (class hours, night) the gate must look closed.

The camera keeps two labelled reference views an administrator took from snapshots: the gate
closed and the gate open. A look compares the gate zone of its snapshot with both, by the
structure of its edges rather than its pixels: the picture is divided by its own local
brightness (so daylight, dusk and the infrared lamp's falloff cancel out), and each 8-pixel cell
becomes a histogram of gradient orientations weighted by their strength, normalized per cell
(HOG-like). Similarity is the cosine of two such descriptors over the cells both can judge:
cells covered by a detected person are left out, so someone walking past or standing in front
does not count as the gate. The gate is open when its zone is clearly nearer the open view than
the closed one (by ``min_margin``), closed when clearly nearer the closed one, and undecided in
between (a car or a crowd covering it). An open gate becomes a finding only when a follow-up
look ``confirm_after_s`` later still sees it open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from zoneinfo import ZoneInfo

import cv2
import numpy as np
from numpy.typing import NDArray
from pydantic import Field

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
    awaiting_confirmation,
    local_clock,
)
from patrol.rules.spec import LookNeeds, RuleContext, RuleSpec, zone_name
from patrol.types import CameraRole, EventType

GATE_OPEN = EventType.declare("gate_open")


class GateState(StrEnum):
    """The gate as a labelled reference view shows it: the labels this rule declares."""

    CLOSED = "closed"
    OPEN = "open"


CLOSED, OPEN = GateState.CLOSED, GateState.OPEN

# The gate zone is compared at this size (width, height), in cells of CELL pixels.
_SIZE = (128, 96)
_CELL = 8
_BINS = 9
# A person's box is widened by this share of its size before its cells are left out.
_PERSON_PAD = 0.08


class GateOpenConfig(RuleConfig):
    zone: str = zone_name("Zone that the gate fills when closed")
    windows: tuple[str, ...] = Field(
        description="Named windows when the gate must be closed (class hours, night)"
    )
    confirm_after_s: float = Field(
        120, ge=1, le=7200, description="Delay of the follow-up look that must still see the gate open"
    )
    min_margin: float = Field(
        0.10,
        gt=0,
        le=1,
        description="How much nearer one reference view the gate zone must be to count as open or closed",
    )
    min_visible: float = Field(
        0.35, gt=0, le=1, description="Share of the gate zone that must be free of people to judge it"
    )


class GateOpenDetails(RuleDetails):
    zone: str
    similarity_open: float
    similarity_closed: float
    min_margin: float
    visible_share: float
    persons_in_zone: int
    confirm_after_s: float
    first_open_at: Moment


@dataclass(frozen=True)
class GateLook:
    """How the gate zone of one picture compares with the two reference views."""

    similarity_open: float
    similarity_closed: float
    visible_share: float  # of the zone's cells, the share no person covers

    @property
    def margin(self) -> float:
        """Positive when nearer the open view."""
        return self.similarity_open - self.similarity_closed


def _zone_box(zone: Polygon, width: int, height: int) -> tuple[int, int, int, int]:
    x0, y0 = np.floor(zone.vertices.min(axis=0) * (width, height)).astype(int)
    x1, y1 = np.ceil(zone.vertices.max(axis=0) * (width, height)).astype(int)
    return max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)


def _structure(picture: NDArray[np.uint8], box: tuple[int, int, int, int]) -> NDArray[np.float32]:
    """Per-cell gradient-orientation histograms of the box, each of unit strength or less."""
    x0, y0, x1, y1 = box
    crop = cv2.cvtColor(picture[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY).astype(np.float32)
    # Sensor noise is not structure.
    gray = cv2.GaussianBlur(cv2.resize(crop, _SIZE, interpolation=cv2.INTER_AREA), (0, 0), 1.0)
    # Divided by the local brightness: the light's level and slow falloff cancel out.
    flat = gray / (cv2.GaussianBlur(gray, (0, 0), 8.0) + 4.0)
    gx = cv2.Sobel(flat, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(flat, cv2.CV_32F, 0, 1, ksize=3)
    strength = np.hypot(gx, gy)
    angle = np.mod(np.arctan2(gy, gx), np.pi)
    bins = np.minimum((angle / np.pi * _BINS).astype(np.int32), _BINS - 1)
    one_hot = np.eye(_BINS, dtype=np.float32)[bins] * strength[..., None]
    rows, cols = _SIZE[1] // _CELL, _SIZE[0] // _CELL
    cells = one_hot.reshape(rows, _CELL, cols, _CELL, _BINS).sum(axis=(1, 3))
    norms = np.linalg.norm(cells, axis=2, keepdims=True)
    # Cells weaker than the picture's typical cell shrink instead of being blown up to unit
    # length: in a flat patch of wall, orientations are noise.
    floor = max(float(np.median(norms)), 1e-6)
    return np.asarray(cells / np.sqrt(norms**2 + floor**2), np.float32)


def _judged_cells(
    zone: Polygon, box: tuple[int, int, int, int], size: tuple[int, int], people: Detections
) -> NDArray[np.bool_]:
    """The cells inside the zone that no person covers."""
    x0, y0, x1, y1 = box
    width, height = size
    rows, cols = _SIZE[1] // _CELL, _SIZE[0] // _CELL
    centres_x = (x0 + (np.arange(cols) + 0.5) / cols * (x1 - x0)) / width
    centres_y = (y0 + (np.arange(rows) + 0.5) / rows * (y1 - y0)) / height
    grid_x, grid_y = np.meshgrid(centres_x, centres_y)
    points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1).astype(np.float32)
    judged = zone.contains(points).reshape(rows, cols)
    for bx0, by0, bx1, by1 in people.boxes.tolist():
        pad_x, pad_y = (bx1 - bx0) * _PERSON_PAD, (by1 - by0) * _PERSON_PAD
        covered = (
            (grid_x >= bx0 - pad_x)
            & (grid_x <= bx1 + pad_x)
            & (grid_y >= by0 - pad_y)
            & (grid_y <= by1 + pad_y)
        )
        judged &= ~covered
    return judged


def _cosine(a: NDArray[np.float32], b: NDArray[np.float32], judged: NDArray[np.bool_]) -> float:
    a, b = a[judged], b[judged]
    denominator = float(np.sqrt(np.sum(a * a) * np.sum(b * b)))
    return float(np.sum(a * b)) / denominator if denominator > 0 else 0.0


def compare_gate(
    picture: NDArray[np.uint8],
    references: Mapping[str, NDArray[np.uint8]],
    zone: Polygon,
    people: Detections | None = None,
) -> GateLook:
    """The gate zone of the picture against the closed and open views, people's cells left out."""
    height, width = picture.shape[:2]
    box = _zone_box(zone, width, height)
    zone_cells = _judged_cells(zone, box, (width, height), Detections.empty())
    judged = _judged_cells(zone, box, (width, height), people if people is not None else Detections.empty())
    seen = _structure(picture, box)
    similarity = {}
    for label in (OPEN, CLOSED):
        reference = references[label]
        if reference.shape[:2] != (height, width):
            reference = np.asarray(
                cv2.resize(reference, (width, height), interpolation=cv2.INTER_AREA), np.uint8
            )
        similarity[label] = _cosine(seen, _structure(reference, box), judged)
    visible = float(judged.sum()) / max(int(zone_cells.sum()), 1)
    return GateLook(similarity[OPEN], similarity[CLOSED], visible)


def _crop(picture: NDArray[np.uint8], zone: Polygon) -> NDArray[np.uint8]:
    height, width = picture.shape[:2]
    x0, y0, x1, y1 = _zone_box(zone, width, height)
    return np.ascontiguousarray(picture[y0:y1, x0:x1])


@dataclass
class GateOpenRule:
    zone: Polygon
    confirm_after_s: float
    min_margin: float
    min_visible: float
    timing: RuleTiming
    # When the gate was first seen open; None while it is seen closed.
    first_open_at: datetime | None = None
    event_type: EventType = GATE_OPEN
    memory_fields: ClassVar[tuple[str, ...]] = ("first_open_at",)

    def wants_clip(self, snapshot: Detections, now: datetime) -> bool:
        return False

    def evaluate(self, look: Look, now: datetime) -> Verdict:
        if not self.timing.active(now):
            self.first_open_at = None
            return Verdict(self.event_type, VerdictState.INACTIVE)
        if look.picture is None or not {OPEN, CLOSED} <= look.reference_views.keys():
            return Verdict(self.event_type, VerdictState.UNDECIDED)
        people = look.frames[0].detections
        seen = compare_gate(look.picture, look.reference_views, self.zone, people)
        if seen.visible_share < self.min_visible or abs(seen.margin) < self.min_margin:
            return Verdict(self.event_type, VerdictState.UNDECIDED)  # hidden, or neither view
        if seen.margin < 0:
            self.first_open_at = None
            return Verdict(self.event_type, VerdictState.CLEAR)
        if self.first_open_at is None:
            self.first_open_at = now
        details = GateOpenDetails(
            zone=self.zone.name,
            similarity_open=round(seen.similarity_open, 3),
            similarity_closed=round(seen.similarity_closed, 3),
            min_margin=self.min_margin,
            visible_share=round(seen.visible_share, 3),
            persons_in_zone=int(np.count_nonzero(self.zone.contains(people.foot_points))),
            confirm_after_s=self.confirm_after_s,
            first_open_at=self.first_open_at,
        )
        suspect = awaiting_confirmation(
            self.event_type, self.first_open_at, now, self.confirm_after_s, details
        )
        if suspect is not None:
            return suspect
        # The closed view beside the gate as it is now, so the officer sees what is wrong.
        comparison = Comparison(
            _crop(look.reference_views[CLOSED], self.zone),
            _crop(look.picture, self.zone),
            f"closed view / {self.timing.local_clock(now)}",
            f"open {seen.similarity_open:.2f} closed {seen.similarity_closed:.2f}",
        )
        summary = summary_en(details, now, self.timing.timezone)
        return Verdict(self.event_type, VerdictState.FINDING, summary, details=details, comparison=comparison)


def summary_en(d: GateOpenDetails, seen_at: datetime, zone: ZoneInfo) -> str:
    people = f", {d.persons_in_zone} person(s) in the gateway" if d.persons_in_zone else ""
    return (
        f"{d.zone} open at {local_clock(d.first_open_at, zone)} and still open at {local_clock(seen_at, zone)}"
        f" (like the open view {d.similarity_open:.2f}, the closed view {d.similarity_closed:.2f}){people}"
    )


def summary_zh(d: GateOpenDetails, seen_at: datetime, zone: ZoneInfo) -> str:
    people = f"，门口有 {d.persons_in_zone} 人" if d.persons_in_zone else ""
    return (
        f"「{d.zone}」校门 {local_clock(d.first_open_at, zone)} 发现未关闭，"
        f"{d.confirm_after_s:g} 秒后复查（{local_clock(seen_at, zone)}）仍未关闭"
        f"（与开门参考画面相似度 {d.similarity_open:.2f}，与关门参考画面 {d.similarity_closed:.2f}）{people}"
    )


def _build(config: GateOpenConfig, context: RuleContext) -> Rule:
    return GateOpenRule(
        context.zone(config.zone),
        config.confirm_after_s,
        config.min_margin,
        config.min_visible,
        context.timing(config.windows),
    )


SPEC = RuleSpec(
    event_type=GATE_OPEN,
    config=GateOpenConfig,
    build=_build,
    needs=LookNeeds(reference_views=(CLOSED, OPEN)),
    details=GateOpenDetails,
    summary_zh=summary_zh,
    summary_en=summary_en,
    label=("校门未关闭", "Gate left open"),
    detail_labels={
        "zone": ("区域", "Zone"),
        "similarity_open": ("与开门参考画面相似度", "Like the open view"),
        "similarity_closed": ("与关门参考画面相似度", "Like the closed view"),
        "min_margin": ("判定差值", "Margin required"),
        "persons_in_zone": ("区域内人数", "Persons in zone"),
        "confirm_after_s": ("复查间隔（秒）", "Confirming look after (s)"),
        "first_open_at": ("首次发现未关", "First seen open"),
    },
    order=40,
    camera_role=CameraRole.GATE_INSIDE,
)
