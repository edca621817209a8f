"""What rules see (a look) and what they say (a verdict). Rules do no I/O and never read the clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Protocol
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, PlainSerializer

from detectors.types import Detections
from patrol.types import EventType

if TYPE_CHECKING:
    # Only a type here: the windows are built from the config, which reads the rule registry.
    from patrol.windows import ActiveWindows


class RuleConfig(BaseModel):
    """A rule's section of a camera's config: inert, strict, every field with a description and bounds."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# A moment in a finding's details, stored as Python's isoformat ("+00:00", never "Z") as always.
Moment = Annotated[datetime, PlainSerializer(lambda moment: moment.isoformat(), return_type=str)]


class RuleDetails(BaseModel):
    """What a rule measured and the thresholds it used, as stored with its event.

    Validated when a rule builds it and when an event's stored details are read back. Stored
    details carry more than the rule wrote (the model's name, the latest look's details), so
    unknown keys are ignored on reading.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    def stored(self) -> dict[str, Any]:
        """The JSON the event keeps; fields a state of the rule did not set are left out."""
        return self.model_dump(mode="json", exclude_none=True)


@dataclass(frozen=True)
class ObservedFrame:
    offset_s: float  # seconds after the look's first picture
    detections: Detections


@dataclass(frozen=True)
class Look:
    """One visit to a camera: the snapshot, then the clip frames when a clip was taken."""

    camera_id: str
    started_at: datetime
    frames: tuple[ObservedFrame, ...]
    follow_up: bool = False
    # Picture width over height: normalized x and y are different lengths. Looks built from
    # pictures set it; 16:9 is what most cameras send.
    aspect: float = 16 / 9
    # For rules that compare the picture with labelled reference views (their spec declares the
    # labels): the snapshot's picture and the camera's views by label, both BGR. Empty otherwise.
    picture: NDArray[np.uint8] | None = field(default=None, compare=False, repr=False)
    reference_views: Mapping[str, NDArray[np.uint8]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def has_clip(self) -> bool:
        return len(self.frames) > 1

    def time_of(self, offset_s: float) -> datetime:
        return self.started_at + timedelta(seconds=offset_s)


class VerdictState(StrEnum):
    INACTIVE = "inactive"  # outside the rule's windows
    UNDECIDED = "undecided"  # this look cannot tell either way
    CLEAR = "clear"  # the condition is not present
    SUSPECT = "suspect"  # seen once; a follow-up look must confirm
    FINDING = "finding"  # confirmed: record an event


@dataclass(frozen=True)
class Comparison:
    """Two pictures of a person set side by side in the evidence, so an officer judges the match."""

    before: NDArray[np.uint8]  # BGR crop from the earlier look
    after: NDArray[np.uint8]  # BGR crop from this look
    when: str  # the two looks' times
    score: str  # how alike the rule found them


@dataclass(frozen=True)
class Verdict:
    event_type: EventType
    state: VerdictState
    summary: str = ""
    follow_up_in_s: float | None = None
    details: RuleDetails | None = None
    evidence_frame: int = 0  # index into Look.frames of the picture that shows it best
    tracks: tuple[int, ...] = ()  # track ids the verdict is about, drawn on the evidence
    comparison: Comparison | None = None  # a person then and now, shown beside the evidence frame


class Rule(Protocol):
    event_type: EventType
    # The fields that carry what the rule remembers between looks (patrol.camera_memory keeps
    # them in the database, so any worker judges a camera's next look as one process would).
    memory_fields: ClassVar[tuple[str, ...]]

    def wants_clip(self, snapshot: Detections, now: datetime) -> bool:
        """Two-stage sampling: is a clip worth taking after this snapshot?"""

    def evaluate(self, look: Look, now: datetime) -> Verdict: ...


def awaiting_confirmation(
    event_type: EventType,
    first_seen_at: datetime,
    now: datetime,
    confirm_after_s: float,
    details: RuleDetails,
) -> Verdict | None:
    """The suspect verdict, with its follow-up, while a condition first seen at `first_seen_at`
    has not yet lasted `confirm_after_s`; None once it has, and the rule's finding stands."""
    waited_s = (now - first_seen_at).total_seconds()
    if waited_s >= confirm_after_s:
        return None
    return Verdict(
        event_type, VerdictState.SUSPECT, follow_up_in_s=confirm_after_s - waited_s, details=details
    )


@dataclass(frozen=True)
class RuleTiming:
    """When a rule applies, judged on the schools' local clock."""

    windows: ActiveWindows
    timezone: ZoneInfo

    def active(self, now: datetime) -> bool:
        return self.windows.contains(now.astimezone(self.timezone))

    def local_clock(self, moment: datetime) -> str:
        return local_clock(moment, self.timezone)


def local_clock(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as the schools' wall clock reads it, for summaries."""
    return moment.astimezone(zone).strftime("%H:%M:%S")
