"""Camera health: the fourth kind of finding."""

from patrol.health.inspector import (
    CameraHealth,
    HealthReport,
    HealthThresholds,
    HealthVerdict,
    reference_image,
)

__all__ = ["CameraHealth", "HealthReport", "HealthThresholds", "HealthVerdict", "reference_image"]
