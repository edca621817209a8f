"""Each exported backend on real pixels, against the PyTorch reference, and what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from detectors.backends import BackendUnavailable, DetectorSpec, backend_named, registered_backends
from detectors.backends.openvino import OpenVinoBackend
from detectors.exports import Precision, record_path, verified_export
from detectors.manifest import ModelError
from detectors.select import AUTO, open_detector
from detectors.yolo import sample_picture
from patrol.detector_bench.agreement import agreement
from streams.simulator.scenarios import SCENARIOS, render
from tests.conftest import MODEL_NAME, MODELS_DIR

EXPORTED = ["onnxruntime", "openvino"]


def _pictures() -> list[np.ndarray]:
    scenes = [render(SCENARIOS[name], 3.0) for name in ("booth_staffed", "gate_walk_in", "outside_loiter")]
    return [sample_picture(), *scenes]


@pytest.mark.parametrize("backend", EXPORTED)
def test_an_exported_backend_finds_the_persons_pytorch_finds(exported_models, detector, backend: str) -> None:
    folder = exported_models(backend)
    opened = open_detector(DetectorSpec(folder, MODEL_NAME), backend)
    pictures = _pictures()
    reference = detector.detect(pictures)
    found = opened.detector.detect(pictures)
    assert sum(len(r) for r in reference) >= 5  # the pictures do hold persons
    agreed = agreement(reference, found)
    assert agreed.share == 1.0
    assert agreed.extra == 0
    for ref, got in zip(reference, found, strict=True):
        assert np.allclose(ref.boxes, got.boxes, atol=0.01)


@pytest.mark.parametrize("backend", EXPORTED)
def test_an_export_whose_file_changed_is_refused_naming_the_file_and_both_hashes(
    exported_models, backend: str
) -> None:
    folder = exported_models(backend)
    record = json.loads(record_path(folder, MODEL_NAME, backend, Precision.FP32).read_text())
    tampered = folder / "tampered"
    tampered.mkdir(exist_ok=True)
    for name in ("manifest.yaml", f"{MODEL_NAME}.pt"):
        (tampered / name).symlink_to(folder / name)
    exported = folder / record["file"]
    copy = tampered / record["file"]
    if exported.is_dir():
        copy.mkdir()
        for member in exported.iterdir():
            (copy / member.name).write_bytes(member.read_bytes())
        victim = next(copy.glob("*.bin"))
    else:
        copy.write_bytes(exported.read_bytes())
        victim = copy
    with open(victim, "r+b") as handle:  # one flipped byte in the weights
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    record_path(tampered, MODEL_NAME, backend, Precision.FP32).write_text(json.dumps(record))
    with pytest.raises(ModelError) as refused:
        verified_export(tampered, MODEL_NAME, backend, Precision.FP32)
    message = str(refused.value)
    assert str(copy) in message
    assert record["sha256"] in message
    actual = message.split(" has sha256 ")[1].split(",")[0]
    assert len(actual) == 64 and actual != record["sha256"]


def test_an_export_of_other_weights_is_refused_naming_both_hashes(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text((MODELS_DIR / "manifest.yaml").read_text())
    (tmp_path / "person-fall-v8.onnxruntime-fp32.onnx").write_bytes(b"graph")
    other = "0" * 64
    record = {
        "model": MODEL_NAME,
        "backend": "onnxruntime",
        "precision": "fp32",
        "file": "person-fall-v8.onnxruntime-fp32.onnx",
        "sha256": "1" * 64,
        "source_sha256": other,
        "input_size": 640,
        "dynamic": True,
        "max_batch": 8,
    }
    record_path(tmp_path, MODEL_NAME, "onnxruntime", Precision.FP32).write_text(json.dumps(record))
    with pytest.raises(
        ModelError, match=f"exported from weights with sha256 {other}, the manifest expects 5f6f620d"
    ):
        verified_export(tmp_path, MODEL_NAME, "onnxruntime", Precision.FP32)


def test_a_missing_export_names_the_command_that_makes_it(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text((MODELS_DIR / "manifest.yaml").read_text())
    with pytest.raises(
        ModelError, match=r"run `patrol models export person-fall-v8 --backend openvino --int8`"
    ):
        verified_export(tmp_path, MODEL_NAME, "openvino", Precision.INT8)


class _OpenVinoWithoutItsRuntime(OpenVinoBackend):
    """The real OpenVINO plugin on a machine where its Python package is absent."""

    requires = ("openvino_not_installed_here",)


def test_a_backend_that_is_not_installed_is_named_with_its_install_command() -> None:
    with pytest.raises(BackendUnavailable) as refused:
        _OpenVinoWithoutItsRuntime.check_usable("cpu", Precision.FP32)
    assert str(refused.value) == (
        "the openvino detector backend is not installed (missing openvino_not_installed_here): "
        "pip install 'school-patrol[openvino]'"
    )


@pytest.mark.parametrize("name", sorted(registered_backends()))
def test_every_backend_says_whether_it_is_installed_by_name(name: str) -> None:
    backend = backend_named(name)
    if backend.missing_modules():
        with pytest.raises(
            BackendUnavailable, match=rf"the {name} detector backend is not installed .*pip install"
        ):
            backend.check_usable(next(iter(backend.speed_rank)), Precision.FP32)
    else:
        assert backend.install_command().startswith("pip install")


def test_an_unknown_backend_lists_the_known_ones() -> None:
    with pytest.raises(
        BackendUnavailable, match=r"no detector backend 'tflite' \(known: .*openvino.*pytorch"
    ):
        backend_named("tflite")


def test_auto_prefers_an_exported_backend_over_pytorch(exported_models) -> None:
    folder = exported_models("openvino")
    opened = open_detector(DetectorSpec(folder, MODEL_NAME), AUTO)
    assert opened.backend == "openvino"


def test_auto_falls_back_to_pytorch_where_nothing_is_exported(tmp_path: Path, detector) -> None:
    (tmp_path / "manifest.yaml").write_text((MODELS_DIR / "manifest.yaml").read_text())
    (tmp_path / f"{MODEL_NAME}.pt").symlink_to(MODELS_DIR / f"{MODEL_NAME}.pt")
    opened = open_detector(DetectorSpec(tmp_path, MODEL_NAME), AUTO)
    assert opened.backend == "pytorch"
    assert any("patrol models export" in reason or "not installed" in reason for reason in opened.passed_over)
