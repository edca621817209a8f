"""What every detector backend declares: what it needs, where it runs, how it loads and exports."""

from __future__ import annotations

import importlib.util
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from detectors.exports import Precision
from detectors.manifest import ModelEntry, ModelError
from detectors.types import PersonDetector


class BackendUnavailable(ModelError):
    """A backend whose runtime is not installed, or that cannot run on the device asked for."""


@dataclass(frozen=True)
class DetectorSpec:
    """Which model to run, how, and where; built once from the detector config."""

    models_dir: Path
    model: str
    confidence: float = 0.35
    device: str = "cpu"
    precision: Precision = Precision.FP32
    max_batch: int = 8


@dataclass(frozen=True)
class ExportedGraph:
    """What an export step produced: a file or folder in a scratch directory, not yet in place."""

    path: Path
    dynamic: bool
    max_batch: int


@dataclass(frozen=True)
class ExportJob:
    """The verified weights (a copy in `scratch`, where the export is written) and how to export them."""

    weights: Path
    entry: ModelEntry
    spec: DetectorSpec
    scratch: Path
    calibration: Sequence[NDArray[np.uint8]] = ()  # frames INT8 is calibrated on


class Backend(ABC):
    name: ClassVar[str]
    # Python modules the backend imports, and the optional dependency group that brings them.
    requires: ClassVar[tuple[str, ...]] = ()
    extra: ClassVar[str | None] = None
    # Device kinds it runs on ("cpu", "cuda", "gpu"), and its place when `auto` picks on that kind:
    # lower is faster, from `patrol bench detector` figures.
    speed_rank: ClassVar[dict[str, int]]
    precisions: ClassVar[tuple[Precision, ...]] = (Precision.FP32,)
    exported: ClassVar[bool] = True  # runs an export made by `patrol models export`
    file_suffix: ClassVar[str] = ""  # of the exported file; "" for a folder

    @classmethod
    def missing_modules(cls) -> list[str]:
        return [module for module in cls.requires if importlib.util.find_spec(module) is None]

    @classmethod
    def install_command(cls) -> str:
        return f"pip install 'school-patrol[{cls.extra}]'" if cls.extra else "pip install school-patrol"

    @classmethod
    def check_usable(cls, device: str, precision: Precision) -> None:
        """Raises BackendUnavailable naming the backend and what to do about it."""
        missing = cls.missing_modules()
        if missing:
            raise BackendUnavailable(
                f"the {cls.name} detector backend is not installed (missing {', '.join(missing)}): "
                f"{cls.install_command()}"
            )
        kind = device_kind(device)
        if kind not in cls.speed_rank:
            raise BackendUnavailable(
                f"the {cls.name} detector backend does not run on {device!r} "
                f"(it runs on: {', '.join(sorted(cls.speed_rank))})"
            )
        if precision not in cls.precisions:
            raise BackendUnavailable(
                f"the {cls.name} detector backend has no {precision} "
                f"(it has: {', '.join(p.value for p in cls.precisions)})"
            )
        cls.check_device(device)

    @classmethod
    def check_device(cls, device: str) -> None:
        """Raises BackendUnavailable when the device is absent on this machine."""
        return None  # most backends have nothing to check beyond their modules

    @classmethod
    @abstractmethod
    def load(cls, spec: DetectorSpec) -> PersonDetector: ...

    @classmethod
    def export(cls, job: ExportJob) -> ExportedGraph:
        raise BackendUnavailable(
            f"the {cls.name} detector backend runs the weights as they are: nothing to export"
        )


def device_kind(device: str) -> str:
    """'cpu', 'cuda:1' -> 'cpu', 'cuda'."""
    return device.split(":", 1)[0].strip().lower()
