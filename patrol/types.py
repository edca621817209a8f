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
    CAMERA_AUTH_REFUSED = "camera_auth_refused"
    CAMERA_BLANK = "camera_blank"  # black or near-uniform picture
    CAMERA_FROZEN = "camera_frozen"  # the same picture look after look
    CAMERA_OBSTRUCTED = "camera_obstructed"  # lens covered or heavily out of focus
    CAMERA_MOVED = "camera_moved"  # pointing away from its reference view


CAMERA_HEALTH_TYPES = frozenset(
    {
        EventType.CAMERA_UNREACHABLE,
        EventType.CAMERA_AUTH_REFUSED,
        EventType.CAMERA_BLANK,
        EventType.CAMERA_FROZEN,
        EventType.CAMERA_OBSTRUCTED,
        EventType.CAMERA_MOVED,
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
    EXPORT = "export"
    HAZARD_CREATED = "hazard_created"
    HAZARD_ADVANCED = "hazard_advanced"
    HAZARD_ESCALATED = "hazard_escalated"
    HAZARD_VERIFIED = "hazard_verified"
    CAMERAS_IMPORTED = "cameras_imported"
    CAMERAS_REMOVED = "cameras_removed"
