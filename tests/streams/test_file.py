"""Video files as sources, on the real CC-BY footage beside the project."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from streams.errors import StreamUnreachable
from streams.file import FileSource
from tests.conftest import SHARED_MEDIA

CLIP = SHARED_MEDIA / "desk_visits_intel_cc-by.mp4"


@pytest.fixture
def footage() -> Path:
    if not CLIP.is_file():
        pytest.skip(f"{CLIP.name} is not in shared/media beside the project")
    return CLIP


def test_snapshot_and_clip_from_a_file(footage: Path) -> None:
    with FileSource(footage, start_s=20.0).open() as stream:
        snapshot = stream.keyframe()
        clip = list(stream.clip(5.0, 2.0))
    assert (snapshot.width, snapshot.height) == (768, 432)
    offsets = np.asarray([frame.offset_s for frame in clip])
    np.testing.assert_allclose(offsets, [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5], atol=0.06)


def test_a_missing_file_is_unreachable(tmp_path: Path) -> None:
    with pytest.raises(StreamUnreachable, match="cannot open"), FileSource(tmp_path / "none.mp4").open():
        pass
