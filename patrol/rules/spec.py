"""How a rule declares itself: one ``RuleSpec`` in the rule's own module, collected by the registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo

from pydantic import Field

from patrol.geometry import DirectedLine, Polygon
from patrol.rules.base import Rule, RuleConfig, RuleDetails, RuleTiming
from patrol.types import CameraRole, EventType

ConfigT = TypeVar("ConfigT", bound=RuleConfig)
DetailsT = TypeVar("DetailsT", bound=RuleDetails)
Drawing = Literal["zones", "lines"]
# A sentence about a finding from its details, the moment it was seen and the schools' time zone.
Summary = Callable[[DetailsT, datetime, ZoneInfo], str]
# Two labels, always both: (Chinese, English).
Labels = tuple[str, str]


def zone_name(description: str) -> Any:
    """A config field naming one of the camera's zones; the cross-reference checks find it by this."""
    return Field(description=description, json_schema_extra={"refers_to": "zones"})


def line_name(description: str) -> Any:
    """A config field naming one of the camera's lines."""
    return Field(description=description, json_schema_extra={"refers_to": "lines"})


@dataclass(frozen=True)
class LookNeeds:
    """What a rule needs from a look besides the snapshot every look takes."""

    clip: bool = False  # frames over a few seconds, for motion; rules without it are never asked for one
    # Labelled reference views of the camera an administrator takes from snapshots (say "closed"
    # and "open"); a look hands them to the rule with the snapshot's picture.
    reference_views: tuple[str, ...] = ()


class RuleContext(Protocol):
    """What a rule is built from besides its own config: the camera's drawings and the windows."""

    def zone(self, name: str) -> Polygon: ...

    def line(self, name: str) -> DirectedLine: ...

    def timing(self, windows: tuple[str, ...]) -> RuleTiming: ...


@dataclass(frozen=True)
class RuleSpec(Generic[ConfigT, DetailsT]):
    """Everything about one rule that the rest of the system needs to know."""

    event_type: EventType
    config: type[ConfigT]  # its section under a camera's ``rules``, named after the event type
    build: Callable[[ConfigT, RuleContext], Rule]
    needs: LookNeeds
    details: type[DetailsT]  # what its findings store
    summary_zh: Summary[DetailsT]
    summary_en: Summary[DetailsT]
    label: Labels  # the event type's name on the dashboard, the reports and the exports
    detail_labels: Mapping[str, Labels]  # the details shown as rows on an event's page, in order
    order: int  # where the rule stands among the rules (lists, the dashboard, scenario roles)
    # Rows shown after those, built from the details: (label key under "detail.", text).
    detail_rows: Callable[[DetailsT], list[tuple[str, str]]] = field(default=lambda _: [])
    # Scenario files: the role of a camera the rule watches with (the first listed rule's wins).
    camera_role: CameraRole = CameraRole.GATE_OUTSIDE
    # Thresholds the eval's sweep varies, with the values it tries.
    swept: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [key for key in self.detail_labels if key not in self.details.model_fields]
        if unknown:
            raise TypeError(f"{self.event_type}: detail labels for keys its details lack: {unknown}")

    @property
    def name(self) -> str:
        """The rule's word in config and scenario files: its event type's value."""
        return self.event_type.value

    def references(self) -> tuple[tuple[str, Drawing], ...]:
        """The config keys that name a zone or a line of the camera, and which of the two."""
        found: list[tuple[str, Drawing]] = []
        for key, info in self.config.model_fields.items():
            extra = info.json_schema_extra
            if isinstance(extra, dict) and extra.get("refers_to") in ("zones", "lines"):
                found.append((key, "zones" if extra["refers_to"] == "zones" else "lines"))
        return tuple(found)

    def read_details(self, stored: Mapping[str, Any]) -> DetailsT:
        """An event's stored details as this rule's typed details; pydantic's ValidationError if not."""
        return self.details.model_validate(stored)
