"""Hazards: confirmed findings tracked from notice to clearance (隐患清零)."""

from patrol.hazards.lifecycle import EscalationLevel, HazardAction, HazardState, IllegalTransition
from patrol.hazards.records import HazardRecord, HazardTransition
from patrol.hazards.register import HazardNotFound, HazardRegister, hazard_payload

__all__ = [
    "EscalationLevel",
    "HazardAction",
    "HazardNotFound",
    "HazardRecord",
    "HazardRegister",
    "HazardState",
    "HazardTransition",
    "IllegalTransition",
    "hazard_payload",
]
