"""OpenVINO: the exported IR on Intel CPUs (and Intel GPUs), FP32, FP16 or NNCF-quantized INT8.

FP16 is weights stored in half precision and computed in the CPU's fastest reduced float
(bf16 where the CPU has it, as OpenVINO chooses); FP32 computes in fp32 throughout.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
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
from detectors.manifest import ModelEntry
from detectors.types import PersonDetector
from detectors.yolo_graph import GraphDetector, input_shape, to_tensor

MIN_CALIBRATION_FRAMES = 32


@register
class OpenVinoBackend(Backend):
    name = "openvino"
    requires = ("openvino",)
    extra = "openvino"
    speed_rank: ClassVar[dict[str, int]] = {"cpu": 10, "gpu": 10}
    precisions = (Precision.FP32, Precision.FP16, Precision.INT8)

    @classmethod
    def check_device(cls, device: str) -> None:
        import openvino

        wanted = device_kind(device).upper()
        available = openvino.Core().available_devices
        if not any(name.split(".")[0] == wanted for name in available):
            raise BackendUnavailable(
                f"the openvino detector backend sees no {wanted} device (it sees: {', '.join(available)})"
            )

    @classmethod
    def load(cls, spec: DetectorSpec) -> PersonDetector:
        import openvino

        entry, record, folder = verified_export(spec.models_dir, spec.model, cls.name, spec.precision)
        core = openvino.Core()
        model = core.read_model(str(_ir_file(folder)))
        # One inference at a time, each using every core: the batching front feeds it whole batches.
        settings = {"PERFORMANCE_HINT": "LATENCY"}
        if spec.precision is Precision.FP32:
            # Left alone, OpenVINO computes in bf16 on CPUs that have it: fp32 means fp32.
            settings["INFERENCE_PRECISION_HINT"] = "f32"
        compiled = core.compile_model(model, device_kind(spec.device).upper(), settings)
        request = compiled.create_infer_request()

        def run(batch: NDArray[np.float32]) -> NDArray[np.float32]:
            return np.asarray(request.infer({0: batch})[0], np.float32)

        return GraphDetector.of_export(run, entry, record, confidence=spec.confidence)

    @classmethod
    def export(cls, job: ExportJob) -> ExportedGraph:
        from detectors.yolo import export_graph

        folder = export_graph(
            job.weights,
            format="openvino",
            input_size=job.entry.input_size,
            half=job.spec.precision is Precision.FP16,
            dynamic=True,
            batch=1,
            device="cpu",
        )
        if job.spec.precision is Precision.INT8:
            folder = _quantized(folder, job.entry, job.calibration, job.scratch / "int8")
        return ExportedGraph(folder, dynamic=True, max_batch=job.spec.max_batch)


def _ir_file(folder: Path) -> Path:
    [xml] = sorted(folder.glob("*.xml"))
    return xml


def _quantized(
    fp32_folder: Path, entry: ModelEntry, calibration: Sequence[NDArray[np.uint8]], out: Path
) -> Path:
    """NNCF post-training quantization calibrated on the caller's frames, head kept in float.

    The box head (its sigmoids and distribution-focal decoding) is left unquantized, as
    ultralytics does, because INT8 there moves box edges.
    """
    if len(calibration) < MIN_CALIBRATION_FRAMES:
        raise BackendUnavailable(
            f"INT8 calibration needs at least {MIN_CALIBRATION_FRAMES} frames, got {len(calibration)}"
        )
    import nncf
    import openvino

    model = openvino.Core().read_model(str(_ir_file(fp32_folder)))
    operations = model.get_ordered_ops()
    sigmoids = [op.get_friendly_name() for op in operations if op.get_type_name() == "Sigmoid"]
    head = sigmoids[-1].split("/", 1)[0]
    ignored = nncf.IgnoredScope(
        names=[
            op.get_friendly_name()
            for op in operations
            if op.get_type_name() == "Sigmoid"
            or op.get_friendly_name().startswith((f"{head}/", f"{head}.dfl"))
        ]
    )

    def tensor(image: NDArray[np.uint8]) -> Any:
        batch, _ = to_tensor([image], input_shape([image], entry.input_size, dynamic=True))
        return batch

    quantized = nncf.quantize(
        model,
        nncf.Dataset(list(calibration), tensor),
        preset=nncf.QuantizationPreset.MIXED,
        subset_size=len(calibration),
        ignored_scope=ignored,
    )
    out.mkdir(parents=True, exist_ok=True)
    openvino.save_model(quantized, str(out / _ir_file(fp32_folder).name))
    for extra in fp32_folder.glob("*.yaml"):
        shutil.copy2(extra, out / extra.name)
    return out
