"""The patrol planner: when to look at which camera, within what the workers can do."""

from patrol.planner.calendar import KEY_ROLES, CameraCalendar, SchoolCalendar, Segment
from patrol.planner.capacity import LookCosts
from patrol.planner.plan import (
    DISPATCH_MARGIN,
    GUARD_EARLIEST,
    Admission,
    CameraPace,
    OnDemandTicket,
    PlanFigures,
    Priority,
    Visit,
    VisitPlan,
)

__all__ = [
    "DISPATCH_MARGIN",
    "GUARD_EARLIEST",
    "KEY_ROLES",
    "Admission",
    "CameraCalendar",
    "CameraPace",
    "LookCosts",
    "OnDemandTicket",
    "PlanFigures",
    "Priority",
    "SchoolCalendar",
    "Segment",
    "Visit",
    "VisitPlan",
]
