"""`patrol eval` end to end on scenario files written here, as a user would write them.

Real parts throughout: the GStreamer RTSP server, the detector, the tracker, the rules, the
planner and the store. Three short scenarios run at once in about a minute and a half.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from patrol.county.broker import LOOKS_QUEUE, celery_app, looks_queue, planner_queue
from streams.simulator.server import unavailable_reason
from tests.conftest import MODEL_NAME, MODELS_DIR, POSTGRES_ADMIN_URL
from tests.patrol.county.county_site import rabbitmq_vhost

REPO = Path(__file__).resolve().parents[3]

BOOTH = """
    patrol:
      max_gap_s: 30
      zones:
        booth: [[0.30, 0.15], [0.70, 0.15], [0.70, 0.95], [0.30, 0.95]]
      rules:
        guard_absent: {zone: booth, confirm_after_s: 20, windows: [always]}
"""


def _yaml(*parts: str) -> str:
    """Each part is indented as it reads best in this file; YAML wants them flush left."""
    return "".join(textwrap.dedent(part) for part in parts)


SCENARIOS = {
    "empty_booth.yaml": _yaml(
        """
        description: Nobody at the post.
        duration_s: 70
        background: booth
        lighting: dusk
        """,
        BOOTH,
        """
        expect:
          - {rule: guard_absent, from_s: 0, tolerance_s: 15}
        """,
    ),
    "guard_on_duty.yaml": _yaml(
        """
        duration_s: 70
        background: booth
        lighting: night
        """,
        BOOTH,
        """
        actors:
          - person: black_coat
            path:
              - {t: 0, x: 0.5, y: 0.9, stay_s: 70}
        """,
    ),
    "pacing.yaml": _yaml(
        """
        description: Someone paces in front of the gate.
        duration_s: 80
        background: street
        patrol:
          max_gap_s: 30
          zones:
            outside: [[0.15, 0.40], [0.85, 0.40], [0.85, 1.00], [0.15, 1.00]]
          rules:
            loitering: {zone: outside, min_dwell_s: 4, confirm_after_s: 15, windows: [always]}
        actors:
          - person: fur_coat
            path:
              - {t: 0, x: 0.30, y: 0.88, stay_s: 2}
              - {t: 7, x: 0.70, y: 0.88, stay_s: 2}
              - {t: 14, x: 0.30, y: 0.88}
            repeat: {every_s: 14, times: 6}
        expect:
          - {rule: loitering, from_s: 0, tolerance_s: 15}
        """
    ),
}
# Short clips keep the test short; the rule's dwell fits in them.
CONFIG = """
    sampling:
      clip_s: 6
      clip_fps: 2
"""


@pytest.fixture(scope="module")
def encoded_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both runs play the same files: encoding them once saves a minute."""
    return tmp_path_factory.mktemp("eval-cache")


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"no GStreamer RTSP server here: {reason}")
    folder = tmp_path / "my-scenarios"
    folder.mkdir()
    for name, text in SCENARIOS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_eval_runs_files_it_has_never_seen_and_scores_them(
    scenario_dir: Path, encoded_cache: Path, tmp_path: Path, detector: object
) -> None:
    result = _patrol_eval(
        scenario_dir,
        encoded_cache,
        tmp_path,
        "--workers",
        "3",
        "--min-precision",
        "0.95",
        "--min-recall",
        "0.9",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    outcomes = {s["name"]: s for s in report["scenarios"]}
    assert {name: s["outcome"] for name, s in outcomes.items()} == {
        "empty_booth": "pass",
        "guard_on_duty": "pass",
        "pacing": "pass",
    }
    [absent] = outcomes["empty_booth"]["events"]
    assert (absent["rule"], absent["verdict"]) == ("guard_absent", "tp")
    assert outcomes["guard_on_duty"]["events"] == []
    [loitering] = outcomes["pacing"]["events"]
    assert (loitering["rule"], loitering["verdict"]) == ("loitering", "tp")
    # The loiterer was judged from clips; the booth needed snapshots only.
    assert outcomes["pacing"]["looks"]["with_clip"] >= 2
    assert outcomes["empty_booth"]["looks"]["with_clip"] == 0
    # Scenario time jumped between looks: its clock stands still between looks unless it jumps,
    # so the scenario seconds between one look's end and the next one's start were skipped, not
    # waited for. (Counted in scenario time: a busy machine does not change it.)
    booth_looks = outcomes["empty_booth"]["looks"]["list"]
    jumped_s = sum(b["started_s"] - a["finished_s"] for a, b in itertools.pairwise(booth_looks))
    assert len(booth_looks) >= 2 and jumped_s >= 10

    rules = report["rules"]
    assert (rules["guard_absent"]["tp"], rules["guard_absent"]["fp"], rules["guard_absent"]["fn"]) == (
        1,
        0,
        0,
    )
    assert rules["loitering"]["precision"] == 1.0 and rules["loitering"]["recall"] == 1.0
    assert rules["unregistered_entry"]["precision"] is None
    assert rules["guard_absent"]["onset_to_event_s"]["median"] >= 20  # the confirmation delay
    assert "guard_absent" in result.stderr and "3 scenario runs: 3 passed" in result.stderr


def test_eval_together_patrols_every_scenario_at_once_and_reports_the_shortfall(
    scenario_dir: Path, encoded_cache: Path, tmp_path: Path, detector: object
) -> None:
    result = _patrol_eval(scenario_dir, encoded_cache, tmp_path, "--together", "--look-workers", "2")
    together = _together_figures(result)
    assert together["look_workers"] == 2
    assert together["random_looks_wanted"] >= 3
    assert 0 <= together["random_looks_shed"] <= together["random_looks_wanted"]
    assert "together, 2 look workers:" in result.stderr


def test_eval_together_distributed_sends_the_looks_over_the_broker_to_worker_processes(
    scenario_dir: Path, encoded_cache: Path, tmp_path: Path, detector: object
) -> None:
    with rabbitmq_vhost() as broker_url:
        result = _distributed_eval(
            scenario_dir,
            encoded_cache,
            tmp_path,
            broker_url,
            "--look-workers",
            "2",
            "--worker-processes",
            "2",
        )
        left_behind = _queue_depths(broker_url)
    together = _together_figures(result)
    assert together["worker_processes"] == 2
    assert together["looks_lost"] == 0, result.stderr
    # The looks went out as orders and came back as the workers' word, from both processes.
    by_worker = together["looks_by_worker"]
    assert len(by_worker) == 2 and all(done >= 1 for done in by_worker.values()), by_worker
    assert "over the broker in 2 worker processes" in result.stderr
    assert not _databases_left(result.stderr), "the run's database was not dropped"
    assert left_behind == {"patrol.looks": 0, "patrol.planner": 0}


def test_eval_distributed_refuses_a_broker_whose_patrol_queues_are_in_use(
    scenario_dir: Path, tmp_path: Path
) -> None:
    with rabbitmq_vhost() as broker_url:
        app = celery_app(broker_url)
        with app.connection_for_write() as connection:
            connection.Producer().publish(
                "an order of a live patrol",
                routing_key=LOOKS_QUEUE,
                exchange=LOOKS_QUEUE,
                declare=[looks_queue],
            )
        result = _distributed_eval(scenario_dir, tmp_path / "cache", tmp_path, broker_url)
        left = _queue_depths(broker_url)
    assert result.returncode == 2
    assert "patrol.looks (1 messages, 0 consumers)" in result.stderr
    assert "virtual host of its own" in result.stderr
    assert left["patrol.looks"] == 1, "the live patrol's order must be left alone"
    assert not _databases_left(result.stderr)


def test_eval_distributed_names_a_broker_it_cannot_use_and_keeps_its_password_out(
    scenario_dir: Path, tmp_path: Path
) -> None:
    result = _distributed_eval(
        scenario_dir, tmp_path / "cache", tmp_path, "amqp://guest:Wrong-Broker-Secret-41@127.0.0.1:5672/"
    )
    assert result.returncode == 2
    assert "cannot reach the broker: AccessRefused" in result.stderr
    assert "Traceback" not in result.stderr and "Wrong-Broker-Secret-41" not in result.stderr
    assert not _databases_left(result.stderr)


def _distributed_eval(
    scenario_dir: Path, cache: Path, tmp_path: Path, broker_url: str, *options: str
) -> subprocess.CompletedProcess[str]:
    """`patrol eval --together --distributed` on `broker_url` and the machine's PostgreSQL."""
    return _patrol_eval(
        scenario_dir,
        cache,
        tmp_path,
        "--together",
        "--distributed",
        "--broker-url",
        broker_url,
        "--postgres-url",
        POSTGRES_ADMIN_URL,
        *options,
    )


def _together_figures(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The planner's figures of a together run that found what each scenario holds, and nothing
    else, on one clock for all: no scenario's time jumped, so its looks lie within its length."""
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    outcomes = {s["name"]: s for s in report["scenarios"]}
    assert {name: s["outcome"] for name, s in outcomes.items()} == {
        "empty_booth": "pass",
        "guard_on_duty": "pass",
        "pacing": "pass",
    }, result.stderr
    assert [e["rule"] for e in outcomes["empty_booth"]["events"]] == ["guard_absent"]
    assert [e["rule"] for e in outcomes["pacing"]["events"]] == ["loitering"]
    for name, duration_s in (("empty_booth", 70), ("guard_on_duty", 70), ("pacing", 80)):
        looks = outcomes[name]["looks"]["list"]
        assert looks and all(0 <= look["started_s"] <= duration_s for look in looks)
    together: dict[str, Any] = report["together"]
    return together


def _queue_depths(broker_url: str) -> dict[str, int]:
    app = celery_app(broker_url)
    with app.connection_for_write() as connection:
        # Declared as the patrol declares them: a queue the run never used is there, empty.
        return {
            queue.name: queue.bind(connection.default_channel).queue_declare().message_count
            for queue in (looks_queue, planner_queue)
        }


def _databases_left(stderr: str) -> list[str]:
    """The run's own database, named in its output, if it is still there."""
    from sqlalchemy import create_engine, text

    named = re.findall(r"the run's database: \S+/(patrol_eval_\w+) \(dropped at the end\)", stderr)
    assert len(named) == 1, stderr
    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect() as connection:
            query = text("SELECT datname FROM pg_database WHERE datname = :name")
            return list(connection.scalars(query, {"name": named[0]}))
    finally:
        engine.dispose()


def _patrol_eval(
    scenario_dir: Path, cache: Path, tmp_path: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    """`patrol eval --json` over the folder as a user runs it, with the test's short clips."""
    config = tmp_path / "eval-config.yaml"
    config.write_text(
        textwrap.dedent(CONFIG) + f"detector:\n  models_dir: {MODELS_DIR}\n  model: {MODEL_NAME}\n"
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "patrol.cli",
            "eval",
            "--scenarios",
            str(scenario_dir),
            "--config",
            str(config),
            "--json",
            "--cache-dir",
            str(cache),
            *options,
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=400,
        # A fresh machine: ultralytics writes its settings file and must not say so on stdout.
        env={**os.environ, "YOLO_CONFIG_DIR": str(tmp_path / "ultralytics")},
    )
