"""Enumerations shared by the patrol, the store and the API."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema


class CameraRole(StrEnum):
    """Where a camera looks; gate and booth cameras matter most to the patrol."""

    BOOTH = "booth"
    GATE_INSIDE = "gate_inside"
    GATE_OUTSIDE = "gate_outside"
    YARD = "yard"


class _EventTypes(type):
    """Iterating the class lists every event type: every rule's in the registry's order, then the
    camera-health ones, as the enum listed them."""

    def __iter__(cls) -> Iterator[EventType]:
        rules = [EventType(name) for name in _discover_rules()]
        return iter([*rules, *(known for known in EventType._known.values() if known not in rules)])

    def __len__(cls) -> int:
        _discover_rules()
        return len(EventType._known)


class EventType(str, metaclass=_EventTypes):
    """What an event is about: a camera-health condition named below, or a rule's finding.

    Rules are not listed here: each rule module declares its type with ``EventType.declare`` and
    the rule registry discovers the modules. Values are interned, so ``is`` compares them as it
    did enum members; stored events keep the same strings.
    """

    _known: ClassVar[dict[str, EventType]] = {}

    CAMERA_UNREACHABLE: ClassVar[EventType]
    CAMERA_AUTH_REFUSED: ClassVar[EventType]
    CAMERA_BLANK: ClassVar[EventType]  # black or near-uniform picture
    CAMERA_FROZEN: ClassVar[EventType]  # the same picture look after look
    CAMERA_OBSTRUCTED: ClassVar[EventType]  # lens covered or heavily out of focus
    CAMERA_MOVED: ClassVar[EventType]  # pointing away from its reference view
    RULE_UNCONFIGURED: ClassVar[EventType]  # a rule lacks what it needs (its reference views)

    def __new__(cls, value: str) -> EventType:
        known = cls._known.get(value)
        if known is None:
            _discover_rules()  # a rule's type is known once its module is imported
            known = cls._known.get(value)
        if known is None:
            raise ValueError(f"{value!r} is not an event type")
        return known

    @classmethod
    def declare(cls, value: str) -> EventType:
        """A new event type (a rule module declares its own); declaring one twice is an error."""
        if value in cls._known:
            raise ValueError(f"event type {value!r} is declared twice")
        if not value.isidentifier() or value != value.lower():
            raise ValueError(f"an event type is a lower-case identifier, got {value!r}")
        created = str.__new__(cls, value)
        cls._known[value] = created
        return created

    @property
    def value(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"EventType({self.value!r})"

    def __reduce__(self) -> tuple[type[EventType], tuple[str]]:
        return (EventType, (self.value,))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls,
            core_schema.str_schema(),
            serialization=core_schema.plain_serializer_function_ser_schema(
                str.__str__, return_schema=core_schema.str_schema()
            ),
        )


EventType.CAMERA_UNREACHABLE = EventType.declare("camera_unreachable")
EventType.CAMERA_AUTH_REFUSED = EventType.declare("camera_auth_refused")
EventType.CAMERA_BLANK = EventType.declare("camera_blank")
EventType.CAMERA_FROZEN = EventType.declare("camera_frozen")
EventType.CAMERA_OBSTRUCTED = EventType.declare("camera_obstructed")
EventType.CAMERA_MOVED = EventType.declare("camera_moved")
EventType.RULE_UNCONFIGURED = EventType.declare("rule_unconfigured")


def _discover_rules() -> tuple[str, ...]:
    """The rules' event types, in order: the registry imports every rule module, each of which
    declares its type (imported here, not above: the rules import this module)."""
    names: tuple[str, ...] = importlib.import_module("patrol.rules.registry").RULE_NAMES
    return names


CAMERA_HEALTH_TYPES = frozenset(
    {
        EventType.CAMERA_UNREACHABLE,
        EventType.CAMERA_AUTH_REFUSED,
        EventType.CAMERA_BLANK,
        EventType.CAMERA_FROZEN,
        EventType.CAMERA_OBSTRUCTED,
        EventType.CAMERA_MOVED,
        EventType.RULE_UNCONFIGURED,
    }
)


class EventStatus(StrEnum):
    """The officer's decision on a flagged event."""

    NEW = "new"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class LookKind(StrEnum):
    """Why the patrol looked at a camera."""

    RANDOM = "random"
    FOLLOW_UP = "follow_up"
    ON_DEMAND = "on_demand"


class LookOutcome(StrEnum):
    OK = "ok"
    UNREACHABLE = "unreachable"
    AUTH_REFUSED = "auth_refused"
    FAILED = "failed"


class DecisionReason(StrEnum):
    """Why an officer confirmed or dismissed an event: a fixed list the county reports on."""

    FALSE_DETECTION = "false_detection"
    AUTHORISED_PERSON = "authorised_person"
    GUARD_PRESENT_OFF_ZONE = "guard_present_off_zone"
    CAMERA_PROBLEM = "camera_problem"
    OTHER = "other"


class Role(StrEnum):
    """What a user may do; each role may do everything the one before it may, and more."""

    DISPATCHER = "dispatcher"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"


class AuditAction(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    DECISION = "decision"
    DECISION_REVISED = "decision_revised"
    EVIDENCE_VIEW = "evidence_view"
    SNAPSHOT = "snapshot"
    ON_DEMAND_PATROL = "on_demand_patrol"
    REFERENCE_RESET = "reference_reset"
    LABELLED_VIEW_TAKEN = "labelled_view_taken"
    EXPORT = "export"
    HAZARD_CREATED = "hazard_created"
    HAZARD_ADVANCED = "hazard_advanced"
    HAZARD_ESCALATED = "hazard_escalated"
    HAZARD_VERIFIED = "hazard_verified"
    CAMERAS_IMPORTED = "cameras_imported"
    CAMERAS_REMOVED = "cameras_removed"
    CAMERA_VIEW_SAVED = "camera_view_saved"
    CAMERA_VIEW_RESTORED = "camera_view_restored"
