"""The officer's "look now": a real keyframe from the real RTSP simulator, encoded as a JPEG."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from patrol.config import parse_config
from patrol.snapshots import CameraSnapshots, UnknownCamera
from streams.errors import StreamAuthRefused

PASSWORD = "Snap-Secret-31x"
CONFIG = """
schools: [{id: s1, name: School 1}]
cameras:
  - {id: booth, school: s1, name: Booth, role: booth, stream: "rtsp://patrol:${PW}@127.0.0.1:PORT/booth"}
  - {id: wrong, school: s1, name: Wrong, role: booth, stream: "rtsp://patrol:nope@127.0.0.1:PORT/booth"}
sampling: {open_timeout_s: 5, read_timeout_s: 5}
"""


def test_a_snapshot_of_a_live_camera(simulator_server: Callable[[dict[str, str], str], int]) -> None:
    port = simulator_server({"/booth": "booth_staffed"}, PASSWORD)
    config = parse_config(CONFIG.replace("PORT", str(port)), environ={"PW": PASSWORD})
    snapshots = CameraSnapshots.from_config(config)
    picture = snapshots.snapshot("booth")
    assert picture[:2] == b"\xff\xd8"
    image = cv2.imdecode(np.frombuffer(picture, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[0] > 100 and image.std() > 5
    with pytest.raises(StreamAuthRefused) as caught:
        snapshots.snapshot("wrong")
    assert "nope" not in str(caught.value)
    with pytest.raises(UnknownCamera):
        snapshots.snapshot("nowhere")
