"""The reference backend: ultralytics' PyTorch model, the weights exactly as the manifest lists them."""

from __future__ import annotations

from typing import ClassVar

from detectors.backends import register
from detectors.backends.base import Backend, BackendUnavailable, DetectorSpec, device_kind
from detectors.exports import Precision
from detectors.types import PersonDetector


@register
class PytorchBackend(Backend):
    name = "pytorch"
    requires = ("torch", "ultralytics")
    speed_rank: ClassVar[dict[str, int]] = {"cpu": 90, "cuda": 90, "mps": 90}
    precisions = (Precision.FP32, Precision.FP16)
    exported = False

    @classmethod
    def check_device(cls, device: str) -> None:
        if device_kind(device) == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise BackendUnavailable(
                    f"the pytorch detector backend: torch sees no CUDA device for {device!r}"
                )

    @classmethod
    def load(cls, spec: DetectorSpec) -> PersonDetector:
        from detectors.yolo import YoloPersonDetector

        return YoloPersonDetector(
            spec.models_dir,
            spec.model,
            confidence=spec.confidence,
            device=spec.device,
            half=spec.precision is Precision.FP16,
        )
