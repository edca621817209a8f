"""ONNX Runtime: the exported ONNX graph on CPU, or on CUDA through its CUDA execution provider."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from detectors.backends import register
from detectors.backends.base import (
    Backend,
    BackendUnavailable,
    DetectorSpec,
    ExportedGraph,
    ExportJob,
    device_kind,
)
from detectors.exports import Precision, verified_export
from detectors.types import PersonDetector
from detectors.yolo_graph import GraphDetector


@register
class OnnxRuntimeBackend(Backend):
    name = "onnxruntime"
    requires = ("onnxruntime",)
    extra = "onnxruntime"
    speed_rank: ClassVar[dict[str, int]] = {"cpu": 20, "cuda": 10}
    precisions = (Precision.FP32, Precision.FP16)
    file_suffix = ".onnx"

    @classmethod
    def check_device(cls, device: str) -> None:
        import onnxruntime

        if (
            device_kind(device) == "cuda"
            and "CUDAExecutionProvider" not in onnxruntime.get_available_providers()
        ):
            raise BackendUnavailable(
                "the onnxruntime detector backend has no CUDA here (providers: "
                f"{', '.join(onnxruntime.get_available_providers())}): pip install onnxruntime-gpu"
            )

    @classmethod
    def load(cls, spec: DetectorSpec) -> PersonDetector:
        import onnxruntime

        entry, record, path = verified_export(spec.models_dir, spec.model, cls.name, spec.precision)
        providers = ["CPUExecutionProvider"]
        if device_kind(spec.device) == "cuda":
            index = spec.device.partition(":")[2] or "0"
            providers.insert(0, ("CUDAExecutionProvider", {"device_id": int(index)}))  # type: ignore[arg-type]
        session = onnxruntime.InferenceSession(str(path), providers=providers)
        input_name = session.get_inputs()[0].name
        half = spec.precision is Precision.FP16

        def run(batch: NDArray[np.float32]) -> NDArray[np.float32]:
            feed = batch.astype(np.float16) if half else batch
            return np.asarray(session.run(None, {input_name: feed})[0], np.float32)

        return GraphDetector.of_export(run, entry, record, confidence=spec.confidence)

    @classmethod
    def export(cls, job: ExportJob) -> ExportedGraph:
        from detectors.yolo import export_graph

        half = job.spec.precision is Precision.FP16
        # ultralytics exports FP16 ONNX only on a GPU; a CPU export of --half fails there with its reason.
        path = export_graph(
            job.weights,
            format="onnx",
            input_size=job.entry.input_size,
            half=half,
            dynamic=True,
            batch=job.spec.max_batch,
            device=job.spec.device,
        )
        return ExportedGraph(path, dynamic=True, max_batch=job.spec.max_batch)
