"""The one detector of a process, built from the detector config: chosen backend behind the batching front."""

from __future__ import annotations

import logging

from detectors.backends import DetectorSpec
from detectors.batching import BatchingDetector
from detectors.exports import Precision
from detectors.select import open_detector
from patrol.config.schema import DetectorConfig

log = logging.getLogger(__name__)


def detector_spec(config: DetectorConfig) -> DetectorSpec:
    return DetectorSpec(
        models_dir=config.models_dir,
        model=config.model,
        confidence=config.confidence,
        device=config.device,
        precision=precision_of(config),
        max_batch=config.batch,
    )


def precision_of(config: DetectorConfig) -> Precision:
    if config.int8:
        return Precision.INT8
    return Precision.FP16 if config.half else Precision.FP32


def build_detector(config: DetectorConfig) -> BatchingDetector:
    """Raises ModelError (BackendUnavailable among them) with what to install or export."""
    opened = open_detector(detector_spec(config), config.backend)
    log.info(
        "detector: %s on %s via %s at %s, batches up to %d",
        config.model,
        config.device,
        opened.backend,
        precision_of(config),
        config.batch,
    )
    return BatchingDetector(opened.detector, max_batch=config.batch, max_wait_s=config.max_wait_ms / 1000)
