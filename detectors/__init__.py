"""Person detection and tracking. Only `detectors.yolo` imports ultralytics."""

from detectors.types import Detections

__all__ = ["Detections"]
