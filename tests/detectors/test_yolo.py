"""The real detector on real pixels."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import ultralytics

from detectors.manifest import ModelError, verified_weights
from tests.conftest import MODEL_NAME

ASSETS = Path(ultralytics.__file__).parent / "assets"


@pytest.mark.parametrize(("image", "persons"), [("bus.jpg", 4), ("zidane.jpg", 2)])
def test_finds_the_people_in_ultralytics_sample_images(detector, image: str, persons: int) -> None:
    picture = cv2.imread(str(ASSETS / image))
    [found] = detector.detect([picture])
    assert len(found) == persons
    assert np.all((found.boxes >= 0) & (found.boxes <= 1))
    assert np.all(found.scores >= 0.35)


def test_an_empty_picture_has_no_persons(detector) -> None:
    [found] = detector.detect([np.full((360, 640, 3), 90, np.uint8)])
    assert len(found) == 0


def test_a_weight_file_with_another_hash_is_refused(tmp_path: Path) -> None:
    manifest = (Path(__file__).resolve().parents[2] / "models" / "manifest.yaml").read_text()
    (tmp_path / "manifest.yaml").write_text(manifest)
    (tmp_path / "person-fall-v8.pt").write_bytes(b"not the model")
    with pytest.raises(ModelError, match="manifest expects 5f6f620d"):
        verified_weights(tmp_path, MODEL_NAME)
