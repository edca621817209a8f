"""Opening the detector a config asks for; `auto` takes the fastest backend that works here."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from detectors.backends import Backend, BackendUnavailable, DetectorSpec, backend_named, registered_backends
from detectors.backends.base import device_kind
from detectors.manifest import ModelError
from detectors.types import PersonDetector

AUTO = "auto"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenedDetector:
    detector: PersonDetector
    backend: str
    passed_over: tuple[str, ...] = ()  # backends `auto` tried first, each with its reason


def open_detector(spec: DetectorSpec, backend: str = AUTO) -> OpenedDetector:
    """The named backend, or for `auto` the fastest one that is installed, exported and passes its self-check."""
    if backend != AUTO:
        chosen = backend_named(backend)
        chosen.check_usable(spec.device, spec.precision)
        return OpenedDetector(_checked(chosen, spec), chosen.name)
    passed_over: list[str] = []
    for candidate in auto_candidates(spec.device):
        try:
            candidate.check_usable(spec.device, spec.precision)
            detector = _checked(candidate, spec)
        except ModelError as exc:
            passed_over.append(f"{candidate.name}: {exc}")
            continue
        for reason in passed_over:
            log.info("detector backend passed over: %s", reason)
        return OpenedDetector(detector, candidate.name, tuple(passed_over))
    raise BackendUnavailable(
        f"no detector backend works on {spec.device!r} at {spec.precision}: " + "; ".join(passed_over)
    )


def auto_candidates(device: str) -> list[type[Backend]]:
    kind = device_kind(device)
    fitting = [backend for backend in registered_backends().values() if kind in backend.speed_rank]
    return sorted(fitting, key=lambda backend: backend.speed_rank[kind])


def _checked(backend: type[Backend], spec: DetectorSpec) -> PersonDetector:
    detector = backend.load(spec)
    self_check(detector, backend.name)
    return detector


def self_check(detector: PersonDetector, backend: str) -> None:
    """A batch of two copies of a sample with people must give persons, the same for both copies.

    Catches a runtime that loads but computes garbage (wrong input layout, broken precision).
    """
    from detectors.yolo import sample_picture

    picture = sample_picture()
    first, second = detector.detect([picture, picture.copy()])
    if len(first) == 0:
        raise BackendUnavailable(
            f"the {backend} backend failed its self-check: no person in the sample picture"
        )
    if len(first) != len(second) or not np.allclose(first.boxes, second.boxes, atol=1e-3):
        raise BackendUnavailable(f"the {backend} backend failed its self-check: one picture, two answers")
