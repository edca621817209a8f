"""Person detection and tracking. Only `detectors.yolo` imports ultralytics."""

from detectors.types import Detections, PersonDetector

__all__ = ["Detections", "PersonDetector"]
