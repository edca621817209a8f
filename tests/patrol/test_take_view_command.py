"""`patrol cameras take-view`: an administrator's labelled reference view, taken from the real
RTSP simulator and kept in the config's database; unknown labels and cameras are clear errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from patrol.cli import main
from patrol.store import Store, sqlite_url
from tests.patrol.support import AROUND_THE_CLOCK

PASSWORD = "Sim-View-Pa55-41c2"
VARIABLE = "PATROL_TAKE_VIEW_PASSWORD"


def _config(tmp_path: Path, port: int) -> Path:
    config = {
        "data_dir": str(tmp_path / "data"),
        "windows": {"always": [{"start": "00:00", "end": "24:00"}]},
        "calendar": AROUND_THE_CLOCK,
        "sampling": {"workers": 1, "max_streams_per_school": 1, "open_timeout_s": 5.0},
        "schools": [{"id": "s1", "name": "一中"}],
        "cameras": [
            {
                "id": "s1-gate",
                "school": "s1",
                "name": "Gate",
                "role": "booth",
                "stream": f"rtsp://patrol:${{{VARIABLE}}}@127.0.0.1:{port}/s1/gate",
                "zones": {"booth": [[0.3, 0.15], [0.7, 0.15], [0.7, 0.95], [0.3, 0.95]]},
                "rules": {"guard_absent": {"zone": "booth", "windows": ["always"]}},
            }
        ],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def test_take_view_keeps_the_cameras_picture_under_its_label(
    simulator_server: Callable[[dict[str, str], str], int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = simulator_server({"/s1/gate": "booth_staffed"}, PASSWORD)
    config = _config(tmp_path, port)
    monkeypatch.setenv(VARIABLE, PASSWORD)

    assert main(["cameras", "take-view", "s1-gate", "closed", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("s1-gate: reference view 'closed' taken (")

    store = Store(sqlite_url(tmp_path / "data"), tmp_path / "data" / "evidence")
    try:
        kept = store.views.of_camera("s1-gate")
    finally:
        store.close()
    assert list(kept) == ["closed"]
    picture = cv2.imdecode(np.frombuffer(kept["closed"].jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert picture is not None and picture.shape[:2] == (360, 640)  # the simulator's main stream
    assert kept["closed"].taken_by == "cli"

    assert main(["cameras", "gate-reference", "s1-gate", "--state", "open", "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith("s1-gate: reference view 'open' taken (")


def test_take_view_refuses_a_label_no_rule_declares_and_an_unknown_camera(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, 1)  # nothing listens: neither command may try the camera
    monkeypatch.setenv(VARIABLE, PASSWORD)

    assert main(["cameras", "take-view", "s1-gate", "ajar", "--config", str(config)]) == 2
    assert "no rule declares a reference view 'ajar'; known: closed, open" in capsys.readouterr().err

    assert main(["cameras", "take-view", "s1-yard", "open", "--config", str(config)]) == 2
    assert "no camera 's1-yard'" in capsys.readouterr().err
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").glob("*.db"))
