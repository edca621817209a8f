"""`patrol bench detector` and `patrol models export` as a user runs them, and the agreement figures."""

from __future__ import annotations

import json

import numpy as np
import pytest

from detectors.backends import backend_named
from detectors.types import Detections
from patrol.cli import main
from patrol.detector_bench.agreement import agreement
from tests.conftest import MODELS_DIR


def _boxes(*boxes: tuple[float, float, float, float]) -> Detections:
    count = len(boxes)
    return Detections(
        np.asarray(boxes, np.float32).reshape(count, 4),
        np.full(count, 0.9, np.float32),
        np.zeros(count, np.int32),
    )


A = (0.1, 0.1, 0.3, 0.6)
B = (0.5, 0.2, 0.7, 0.8)
A_SHIFTED = (0.12, 0.1, 0.32, 0.6)  # IoU with A about 0.82
A_HALF = (0.2, 0.1, 0.4, 0.6)  # IoU with A 1/3


@pytest.mark.parametrize(
    ("reference", "candidate", "share", "extra_share"),
    [
        ([_boxes(A, B)], [_boxes(B, A)], 1.0, 0.0),
        ([_boxes(A, B)], [_boxes(A_SHIFTED, B)], 1.0, 0.0),
        ([_boxes(A, B)], [_boxes(A_HALF, B)], 0.5, 0.5),
        ([_boxes(A, B)], [_boxes(A)], 0.5, 0.0),
        ([_boxes(A), _boxes()], [_boxes(A), _boxes(B)], 1.0, 1.0),
        ([_boxes(A)], [_boxes(A, A_SHIFTED)], 1.0, 1.0),  # one reference box matches one candidate only
        ([_boxes()], [_boxes()], 1.0, 0.0),
    ],
)
def test_agreement_counts_matched_and_extra_boxes(
    reference: list[Detections], candidate: list[Detections], share: float, extra_share: float
) -> None:
    agreed = agreement(reference, candidate)
    assert agreed.share == pytest.approx(share)
    assert agreed.extra_share == pytest.approx(extra_share)


def test_bench_detector_prints_the_figures_as_json(detector, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["bench", "detector", "--backends", "pytorch", "--frames", "3", "--batches", "1", "2", "--json",
         "--models-dir", str(MODELS_DIR)]
    )  # fmt: skip
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["frames"] == 3
    rows = printed["results"]
    assert [(row["backend"], row["precision"], row["batch"]) for row in rows] == [
        ("pytorch", "fp32", 1),
        ("pytorch", "fp32", 2),
    ]
    for row in rows:
        assert set(row) == {
            "backend",
            "precision",
            "batch",
            "fps",
            "ms_per_frame",
            "agreement",
            "extra_share",
        }
        assert row["fps"] > 0
        assert row["ms_per_frame"] == pytest.approx(1000 / row["fps"], rel=0.02)
    assert rows[0]["agreement"] == 1.0  # the reference agrees with itself
    assert rows[1]["agreement"] >= 0.99


def test_exporting_for_a_backend_that_is_not_installed_names_it_and_its_install_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not backend_named("tensorrt").missing_modules():
        pytest.skip("tensorrt is installed here")
    code = main(["models", "export", "--backend", "tensorrt", "--models-dir", str(MODELS_DIR)])
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        "patrol models export: the tensorrt detector backend is not installed (missing tensorrt): "
        "pip install 'school-patrol[tensorrt]'"
    )
