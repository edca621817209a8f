"""TensorRT: an engine built for the NVIDIA GPU it runs on, FP32 or FP16.

An engine is specific to the GPU model and TensorRT version that built it, so it is
exported on the machine that runs it, like every export here.
"""

from __future__ import annotations

from typing import Any, ClassVar

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
class TensorRtBackend(Backend):
    name = "tensorrt"
    requires = ("tensorrt", "torch")
    extra = "tensorrt"
    speed_rank: ClassVar[dict[str, int]] = {"cuda": 0}
    precisions = (Precision.FP32, Precision.FP16)
    file_suffix = ".engine"

    @classmethod
    def check_device(cls, device: str) -> None:
        import torch

        if not torch.cuda.is_available():
            raise BackendUnavailable(
                f"the tensorrt detector backend: no CUDA device for {device!r} on this machine"
            )

    @classmethod
    def load(cls, spec: DetectorSpec) -> PersonDetector:
        import tensorrt
        import torch

        entry, record, path = verified_export(spec.models_dir, spec.model, cls.name, spec.precision)
        device = torch.device(spec.device if ":" in spec.device else "cuda:0")
        logger = tensorrt.Logger(tensorrt.Logger.WARNING)
        with open(path, "rb") as handle, tensorrt.Runtime(logger) as runtime:
            engine = _deserialize(runtime, handle.read())
        context = engine.create_execution_context()
        input_name, output_name = engine.get_tensor_name(0), engine.get_tensor_name(1)
        half = spec.precision is Precision.FP16
        stream = torch.cuda.Stream(device)

        def run(batch: NDArray[np.float32]) -> NDArray[np.float32]:
            with torch.cuda.stream(stream):
                inputs = torch.from_numpy(batch).to(device, non_blocking=True)
                inputs = inputs.half() if half else inputs
                context.set_input_shape(input_name, tuple(inputs.shape))
                outputs = torch.empty(
                    tuple(context.get_tensor_shape(output_name)),
                    dtype=torch.float16 if half else torch.float32,
                    device=device,
                )
                context.set_tensor_address(input_name, inputs.data_ptr())
                context.set_tensor_address(output_name, outputs.data_ptr())
                context.execute_async_v3(stream.cuda_stream)
                stream.synchronize()
                return np.asarray(outputs.float().cpu().numpy(), np.float32)

        return GraphDetector.of_export(run, entry, record, confidence=spec.confidence)

    @classmethod
    def export(cls, job: ExportJob) -> ExportedGraph:
        from detectors.yolo import export_graph

        if device_kind(job.spec.device) != "cuda":
            raise BackendUnavailable("a tensorrt engine is built on the GPU it runs on: pass --device cuda:0")
        path = export_graph(
            job.weights,
            format="engine",
            input_size=job.entry.input_size,
            half=job.spec.precision is Precision.FP16,
            dynamic=True,
            batch=job.spec.max_batch,
            device=job.spec.device,
        )
        return ExportedGraph(path, dynamic=True, max_batch=job.spec.max_batch)


def _deserialize(runtime: Any, blob: bytes) -> Any:
    # ultralytics prefixes its engines with a length and JSON metadata before the engine itself.
    length = int.from_bytes(blob[:4], byteorder="little")
    if 0 < length < len(blob) - 4 and blob[4:5] == b"{":
        blob = blob[4 + length :]
    engine = runtime.deserialize_cuda_engine(blob)
    if engine is None:
        raise BackendUnavailable(
            "tensorrt could not load the engine: built for another GPU or TensorRT version?"
        )
    return engine
