"""Enumerations shared by the patrol, the store and the API."""

from enum import StrEnum


class CameraRole(StrEnum):
    """Where a camera looks; gate and booth cameras matter most to the patrol."""

    BOOTH = "booth"
    GATE_INSIDE = "gate_inside"
    GATE_OUTSIDE = "gate_outside"
    YARD = "yard"


class EventType(StrEnum):
    GUARD_ABSENT = "guard_absent"
    UNREGISTERED_ENTRY = "unregistered_entry"
    LOITERING = "loitering"
    CAMERA_UNREACHABLE = "camera_unreachable"


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
