"""Scenario files: what loads, into what, and how each mistake is named by file and key path."""

from __future__ import annotations

import subprocess
import sys
from datetime import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import yaml

from patrol.eval.scenario_file import ScenarioError, load_scenario, load_scenarios, parse_scenario
from patrol.rules.registry import RULES
from patrol.types import EventType
from streams.simulator.camera import Lighting
from streams.simulator.people import MEDIA_DIR_VARIABLE
from streams.simulator.scenarios import Waypoint

REPO = Path(__file__).resolve().parents[3]

VALID: dict[str, Any] = {
    "description": "The guard leaves at 30 s.",
    "duration_s": 120,
    "background": "booth",
    "patrol": {
        "max_gap_s": 40,
        "zones": {"booth": [[0.3, 0.15], [0.7, 0.15], [0.7, 0.95], [0.3, 0.95]]},
        "rules": {"guard_absent": {"zone": "booth", "confirm_after_s": 30, "windows": ["always"]}},
    },
    "actors": [
        {
            "person": "black_coat",
            "path": [{"t": 0, "x": 0.5, "y": 0.9, "stay_s": 30}, {"t": 36, "x": 1.2}],
            "repeat": {"every_s": 50, "times": 2},
        }
    ],
    "expect": [{"rule": "guard_absent", "from_s": 32, "tolerance_s": 20}],
}


def _text(changes: dict[tuple[Any, ...], Any] | None = None, drop: tuple[Any, ...] | None = None) -> str:
    data = yaml.safe_load(yaml.safe_dump(VALID))
    for path, value in (changes or {}).items():
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    if drop is not None:
        node = data
        for key in drop[:-1]:
            node = node[key]
        del node[drop[-1]]
    return yaml.safe_dump(data)


def test_a_valid_file_loads_into_dataclasses(tmp_path: Path) -> None:
    source = tmp_path / "guard_leaves.yaml"
    source.write_text(_text())
    scenario = load_scenario(source)

    assert scenario.name == "guard_leaves"
    assert scenario.rules == (EventType("guard_absent"),)
    assert scenario.duration_s == 120 and scenario.skip_reason is None
    assert (scenario.weekday, scenario.start) == (0, time(10, 0))
    assert set(scenario.windows) == {"always"}
    [expected] = scenario.expectations
    assert (expected.rule, expected.from_s, expected.to_s, expected.tolerance_s) == (
        EventType("guard_absent"),
        32,
        120,
        20,
    )
    video = scenario.video
    assert (video.scene, video.lighting, video.loop, video.loop_s) == ("booth", Lighting.DAY, False, 120)
    assert (video.camera.width, video.camera.height, video.camera.fps) == (640, 360, 10)
    # stay_s becomes a second waypoint at the same place; repeat makes more actors.
    assert [a.start_s for a in video.actors] == [0, 50]
    assert video.actors[0].path == (
        Waypoint(0, 0.5, 0.9),
        Waypoint(30, 0.5, 0.9),
        Waypoint(36, 1.2, 0.92),
    )


def test_every_key_of_the_format(tmp_path: Path) -> None:
    picture = tmp_path / "pictures" / "lobby.png"
    picture.parent.mkdir()
    cv2.imwrite(str(picture), np.full((90, 160, 3), 120, np.uint8))
    text = _text(
        {
            ("name",): "Lobby at night",
            ("background",): "pictures/lobby.png",
            ("lighting",): "night",
            ("camera",): {"width": 320, "height": 180, "fps": 5, "gop_s": 2, "quality": 30, "noise": 4},
            ("clock",): {"weekday": "fri", "start": "07:59:30"},
            ("windows",): {"duty": [{"days": ["fri"], "start": "08:00", "end": "09:00"}]},
            ("patrol", "rules", "guard_absent", "windows"): ["duty"],
            ("loop",): True,
            ("loop_s",): 60,
            ("actors", 0, "height"): 0.4,
            ("actors", 0, "start_s"): 5,
            ("actors", 0, "path", 1, "height"): 0.3,
            ("actors", 0, "repeat"): None,
            ("expect", 0, "optional"): True,
            ("expect", 0, "to_s"): 90,
        }
    )
    scenario = parse_scenario(text, tmp_path / "x.yaml")
    assert scenario.name == "Lobby at night"
    assert scenario.video.scene == picture.resolve()
    assert scenario.video.lighting is Lighting.NIGHT
    assert (scenario.video.loop, scenario.video.loop_s) == (True, 60)
    assert scenario.video.camera.gop_frames == 10
    assert (scenario.weekday, scenario.start) == (4, time(7, 59, 30))
    assert set(scenario.windows) == {"always", "duty"}
    assert scenario.video.actors[0].path[-1].height == 0.3
    assert scenario.expectations[0].optional and scenario.expectations[0].to_s == 90


@pytest.mark.parametrize(
    ("text", "expected_path", "expected_words"),
    [
        (_text({("colour",): "red"}), "colour", "unknown key"),
        (_text(drop=("duration_s",)), "duration_s", "Field required"),
        (_text({("duration_s",): -5}), "duration_s", "greater than 0"),
        (_text({("background",): "moon"}), "background", "neither a drawn scene"),
        (_text({("lighting",): "noon"}), "lighting", "Input should be"),
        (_text({("camera",): {"quality": 60}}), "camera -> quality", "less than or equal to 51"),
        (_text({("camera",): {"fps": 10, "gop_s": 0.25}}), "camera", "whole number of frames"),
        (_text({("camera",): {"width": 641}}), "camera", "even"),
        (_text({("clock",): {"start": "25:00"}}), "clock -> start", "HH:MM"),
        (_text({("loop_s",): 30}), "loop_s", "only a looping scenario"),
        (_text({("loop",): True, ("loop_s",): 10.05}), "loop_s", "whole keyframe intervals"),
        (_text({("actors", 0, "person"): "ghost"}), "actors -> [0] -> person", "unknown person"),
        (
            _text({("actors", 0, "path", 1, "t"): 12}),
            "actors -> [0] -> path -> [1] -> t",
            "previous waypoint",
        ),
        (
            _text({("actors", 0, "path", 0, "x"): 5}),
            "actors -> [0] -> path -> [0] -> x",
            "less than or equal",
        ),
        (
            _text({("actors", 0, "path", 0, "speed"): 2}),
            "actors -> [0] -> path -> [0] -> speed",
            "unknown key",
        ),
        (
            _text({("patrol", "rules", "guard_absent", "zone"): "lobby"}),
            "patrol -> rules -> guard_absent -> zone",
            "no zone of this camera",
        ),
        (
            _text({("patrol", "rules", "guard_absent", "windows"): ["lunch"]}),
            "patrol -> rules -> guard_absent -> windows -> [0]",
            "no window with this name",
        ),
        (
            _text({("patrol", "zones", "booth"): [[0.1, 0.1], [0.2, 0.2]]}),
            "patrol -> zones -> booth",
            "at least 3 points",
        ),
        (
            _text({("patrol", "rules", "guard_absent", "confirm_after_s"): 0}),
            "patrol -> rules -> guard_absent -> confirm_after_s",
            "greater than or equal to 1",
        ),
        (_text({("expect", 0, "rule"): "loitering"}), "expect -> [0] -> rule", "the camera has no such rule"),
        (_text({("expect", 0, "rule"): "fire"}), "expect -> [0] -> rule", "Input should be"),
        (_text({("expect", 0, "to_s"): 500}), "expect -> [0] -> to_s", "at most duration_s"),
        (
            _text({("gate",): {"open": [{"from_s": 10, "to_s": 20}]}}),
            "background",
            "need the school_gate scene",
        ),
        (
            _text({("background",): "school_gate", ("gate",): {"open": [{"from_s": 20, "to_s": 10}]}}),
            "gate -> open -> [0] -> to_s",
            "must be after from_s",
        ),
        (
            _text({("background",): "school_gate", ("reference_views",): {"closed": {"gate": "ajar"}}}),
            "reference_views -> closed -> gate",
            "Input should be",
        ),
        ("duration_s: [unclosed", "", "not valid YAML"),
        ("- a list\n", "", "mapping"),
    ],
)
def test_each_mistake_is_named_by_key_path(text: str, expected_path: str, expected_words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, Path("scenarios/broken.yaml"))
    assert caught.value.source == "scenarios/broken.yaml"
    rendered = [str(issue) for issue in caught.value.issues]
    matching = [line for line in rendered if line.startswith(f"{expected_path or '(top level)'}:")]
    assert matching, rendered
    assert any(expected_words in line for line in matching), rendered


def test_a_folder_reports_every_bad_file_by_name_and_duplicate_names(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(_text())
    (tmp_path / "same_name.yaml").write_text(_text({("name",): "good"}))
    (tmp_path / "bad.yaml").write_text(_text({("actors", 0, "path", 1, "t"): 12}))
    (tmp_path / "notes.txt").write_text("not a scenario")
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(tmp_path)
    rendered = str(caught.value)
    assert rendered.startswith(f"{tmp_path}: 2 problem(s)")
    assert "bad.yaml: actors -> [0] -> path -> [1] -> t: must not come before" in rendered
    assert "same_name.yaml: name: the name is already used by good.yaml (got 'good')" in rendered


def test_patrol_eval_names_the_file_and_key_path_and_runs_nothing(tmp_path: Path) -> None:
    (tmp_path / "visitor.yaml").write_text(_text({("patrol", "rules", "guard_absent", "zone"): "lobby"}))
    result = subprocess.run(
        [sys.executable, "-m", "patrol.cli", "eval", "--scenarios", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert (
        "visitor.yaml: patrol -> rules -> guard_absent -> zone: no zone of this camera has this name (got 'lobby')"
        in result.stderr
    )


def test_people_from_absent_footage_skip_the_scenario_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MEDIA_DIR_VARIABLE, str(tmp_path / "no-media"))
    scenario = parse_scenario(_text({("actors", 0, "person"): "grey_cardigan"}), tmp_path / "x.yaml")
    assert scenario.skip_reason is not None
    assert "desk_visits_intel_cc-by.mp4" in scenario.skip_reason and "no-media" in scenario.skip_reason
    assert parse_scenario(_text(), tmp_path / "y.yaml").skip_reason is None


def test_the_project_library_loads() -> None:
    scenarios = load_scenarios(REPO / "tests" / "scenarios")
    assert len(scenarios) >= 40
    rules = {rule for scenario in scenarios for rule in scenario.rules}
    assert rules == {spec.event_type for spec in RULES}  # every rule is measured
    assert {s.video.lighting for s in scenarios} == set(Lighting)
    for rule in rules:
        with_rule = [s for s in scenarios if rule in s.rules]
        expecting = [s for s in with_rule if any(e.rule is rule for e in s.expectations)]
        # Every rule has cases that must raise it and look-alikes that must not.
        assert len(expecting) >= 5 and len(with_rule) - len(expecting) >= 5, rule


def test_the_school_gate_its_cars_and_the_administrator_s_views(tmp_path: Path) -> None:
    from streams.simulator.camera import Lighting
    from streams.simulator.gate import GateState

    text = _text(
        {
            ("background",): "school_gate",
            ("lighting",): "night",
            ("gate",): {"open": [{"from_s": 10, "to_s": 20}]},
            ("cars",): [{"start_s": 3, "repeat": {"every_s": 10, "times": 2}}],
            ("reference_views",): {
                "closed": {"gate": "closed"},
                "open": {"gate": "open", "lighting": "dusk"},
            },
        }
    )
    scenario = parse_scenario(text, tmp_path / "x.yaml")
    gate = scenario.video.gate
    assert gate is not None
    assert [gate.is_open(t) for t in (5, 12, 19, 25)] == [False, True, True, False]
    assert [car.start_s for car in scenario.video.cars] == [3.0, 13.0]
    closed, opened = scenario.reference_views["closed"], scenario.reference_views["open"]
    # The empty scene in the labelled state, in daylight unless the view says otherwise.
    assert (closed.actors, closed.cars, closed.lighting) == ((), (), Lighting.DAY)
    assert opened.lighting is Lighting.DUSK
    assert closed.gate is not None and opened.gate is not None
    assert (closed.gate.is_open(15), opened.gate.is_open(0)) == (False, True)
    assert GateState.OPEN.value in scenario.reference_views
