"""`patrol models export`: the manifest's verified weights into another runtime's format, recorded."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from detectors.backends import BackendUnavailable, DetectorSpec, backend_named
from detectors.backends.base import ExportJob
from detectors.exports import ExportRecord, export_sha256, export_stem, write_record
from detectors.manifest import verified_weights


def export_model(
    spec: DetectorSpec, backend_name: str, calibration: Sequence[NDArray[np.uint8]] = ()
) -> ExportRecord:
    backend = backend_named(backend_name)
    if not backend.exported:
        raise BackendUnavailable(
            f"the {backend.name} backend runs {spec.model}'s weights as they are: nothing to export"
        )
    backend.check_usable(spec.device, spec.precision)
    entry, weights = verified_weights(spec.models_dir, spec.model)
    target = spec.models_dir / (export_stem(spec.model, backend.name, spec.precision) + backend.file_suffix)
    # ultralytics writes beside the weights it reads: give it a copy in a scratch folder of its own.
    with tempfile.TemporaryDirectory(dir=spec.models_dir, prefix=".export-") as scratch_dir:
        scratch = shutil.copy2(weights, f"{scratch_dir}/{weights.name}")
        graph = backend.export(ExportJob(Path(scratch), entry, spec, Path(scratch_dir), calibration))
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        shutil.move(graph.path, target)
    record = ExportRecord(
        model=spec.model,
        backend=backend.name,
        precision=spec.precision,
        file=target.name,
        sha256=export_sha256(target),
        source_sha256=entry.sha256,
        input_size=entry.input_size,
        dynamic=graph.dynamic,
        max_batch=graph.max_batch,
    )
    write_record(spec.models_dir, record)
    return record
