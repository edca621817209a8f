"""The county's roles as separate processes on the machine's PostgreSQL and RabbitMQ: the
simulator (the demo's six cameras and thirty staffed booths), one planner and a standby, two
workers and the API, with the real detector.

One run, in order: the broker's queues hold no look that is not yet due; a worker is killed
with -9 in the middle of a clip look and its order is redelivered or planned again; the three
situations are found on the Xihe cameras and nothing on the others, with no event twice; an
on-demand patrol asked of the API reaches the planner; a camera imported while the roles run
is looked at; the active planner is killed with -9
and the standby takes over, keeping every camera within its maximum gap.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import yaml
from kombu import Connection
from sqlalchemy import Engine, create_engine, text

from patrol.county.broker import LOOKS_QUEUE, looks_queue
from tests.conftest import REPO, free_port, postgres_database
from tests.patrol.county.county_site import (
    EXPECTED,
    METRICS_TOKEN,
    PASSWORD,
    Processes,
    county_config,
    rabbitmq_vhost,
)

pytestmark = pytest.mark.slow

MAX_GAP_S = 90  # the demo calendar's maximum gap for every role
REFRESH_S = 5  # county_config's registry.refresh_s
LOOK_TIMEOUT_S = 90  # county_config's sampling.look_timeout_s
FINDINGS_WITHIN_S = 300
# How long the gaps are watched after the takeover: two maximum gaps in the suite; the issue's
# ten minutes with PATROL_TAKEOVER_WATCH_S=600.
TAKEOVER_WATCH_S = float(os.environ.get("PATROL_TAKEOVER_WATCH_S", 2 * MAX_GAP_S))
CLIP_CAMERAS = ("xihe-gate", "xihe-street", "dongcheng-gate", "dongcheng-street")


@dataclass
class County:
    processes: Processes
    database: Engine
    broker_url: str
    api: str
    token: str
    started: float
    status: dict[str, str]  # the planners' and worker-1's status ports, by process name


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, detector) -> Iterator[County]:  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("county")
    (work / "logs").mkdir()
    with postgres_database() as database_url, rabbitmq_vhost() as broker_url:
        config = county_config(work, database_url, broker_url, extra_booths=30, workers=4)
        settings = yaml.safe_load(config.read_text(encoding="utf-8"))
        api_port, simulator_port = settings["api"]["port"], settings["simulator"]["port"]
        _patrol("db", "upgrade", "--config", str(config))
        _patrol(
            "users",
            "add",
            "duty",
            "--role",
            "officer",
            "--jurisdiction",
            "county",
            "--password-stdin",
            "--config",
            str(config),
            stdin="Duty-Officer-Password-1\n",
        )
        token = _patrol("users", "token", "duty", "--config", str(config)).strip()
        processes = Processes(config, work / "logs")
        database = create_engine(database_url)
        try:
            processes.start("simulator", "simulate")
            _wait_for(lambda: _listens(simulator_port), 120, "the simulator's RTSP server")
            status = {
                name: f"http://127.0.0.1:{free_port()}" for name in ("planner-a", "planner-b", "worker-1")
            }

            def status_port(name: str) -> tuple[str, str]:
                return "--status-port", status[name].rsplit(":", 1)[1]

            processes.start("planner-a", "planner", *status_port("planner-a"))
            _wait_for(
                lambda: "planner active" in processes.log("planner-a"), 60, "the first planner to start"
            )
            processes.start("planner-b", "planner", *status_port("planner-b"))
            processes.start("worker-1", "worker", "--concurrency", "2", *status_port("worker-1"))
            processes.start("worker-2", "worker", "--concurrency", "2")
            processes.start("api", "serve")
            api = f"http://127.0.0.1:{api_port}"
            _wait_for(lambda: _answers(f"{api}/healthz"), 60, "the API")
            yield County(processes, database, broker_url, api, token, time.time(), status)
        finally:
            processes.stop_all()
            database.dispose()
            for name in processes.logs.glob("*.log"):
                assert PASSWORD not in name.read_text(encoding="utf-8", errors="replace"), name


def test_the_broker_never_holds_a_look_that_is_not_yet_due(county: County) -> None:
    """Peeks at the look queue for 20 s: every order there is due (sent at or before now)
    and carries no ETA or countdown: the broker never learns a future look time."""
    peeked = 0
    deadline = time.monotonic() + 20
    with Connection(county.broker_url) as connection:
        channel = connection.channel()
        while time.monotonic() < deadline:
            _, waiting, _ = channel.queue_declare(queue=LOOKS_QUEUE, passive=True)
            message = channel.basic_get(queue=LOOKS_QUEUE, no_ack=False) if waiting else None
            if message is None:
                time.sleep(0.2)
                continue
            peeked += 1
            [args, _, _] = json.loads(message.body)
            assert message.headers.get("eta") is None and message.headers.get("countdown") is None
            assert args[0]["due_at"] <= time.time() + 0.5, args[0]
            # The camera's revision is a fingerprint of its definition, never a time or a secret.
            assert set(args[0]) == {"visit_id", "camera_id", "kind", "due_at", "camera_revision"}
            channel.basic_reject(message.delivery_tag, requeue=True)
    assert looks_queue.name == LOOKS_QUEUE
    print(f"peeked at {peeked} waiting orders")


def test_a_worker_killed_in_a_clip_look_loses_nothing(county: County) -> None:
    processes = county.processes
    database = county.database

    def recorded(visit_id: str) -> int:
        with database.connect() as connection:
            count = connection.scalar(text("SELECT count(*) FROM looks WHERE visit_id = :v"), {"v": visit_id})
        return int(count or 0)

    def look_under_way(tried: set[str]) -> tuple[str, str] | None:
        log = processes.log("worker-1")
        finished = _looks_finished(log)
        for visit, camera in _looks_started(log):
            if camera in CLIP_CAMERAS and visit not in finished and visit not in tried:
                return visit, camera
        return None

    # A look at a camera whose snapshot shows nobody takes no clip and ends in a second or two;
    # one still under way five seconds after it started is watching its clip. The worker is held
    # still while its look is checked unrecorded, so it dies before recording (and acknowledging)
    # it, never in the moment between: the order must come back.
    tried: set[str] = set()
    killed: tuple[str, str] | None = None
    deadline = time.monotonic() + 240
    while killed is None and time.monotonic() < deadline:
        under_way = look_under_way(tried)
        if under_way is None:
            time.sleep(0.5)
            continue
        tried.add(under_way[0])
        time.sleep(5)
        with processes.frozen("worker-1"):
            if under_way[0] not in _looks_finished(processes.log("worker-1")) and recorded(under_way[0]) == 0:
                processes.kill("worker-1")
                killed = under_way
    assert killed is not None, f"no clip look of worker-1 was found under way; tried {sorted(tried)}"
    visit_id, camera_id = killed
    killed_at = datetime.now(UTC)
    # As a supervisor would, with the same command line.
    processes.start(
        "worker-1",
        "worker",
        "--concurrency",
        "2",
        "--status-port",
        county.status["worker-1"].rsplit(":", 1)[1],
    )

    # The restarted worker-1 appends to the same log: a redelivered order is started twice.
    redelivered = lambda: [v for v, _ in _looks_started(_worker_logs(processes))].count(visit_id) == 2  # noqa: E731
    lost = lambda: f"order {visit_id} for camera {camera_id} lost" in _planner_logs(processes)  # noqa: E731
    _wait_for(
        lambda: (redelivered() and recorded(visit_id) == 1) or lost(),
        LOOK_TIMEOUT_S + 60,
        "the killed look to be redelivered and recorded, or planned again",
    )
    assert recorded(visit_id) <= 1
    print(f"killed in a look at {camera_id}: {'redelivered' if redelivered() else 'planned again'}")
    _wait_for(
        lambda: _last_look_at(database, camera_id) > killed_at,
        MAX_GAP_S + LOOK_TIMEOUT_S,
        "a new look",
    )


def test_the_three_situations_are_found_on_xihe_and_nothing_elsewhere(county: County) -> None:
    def found() -> dict[str, set[str]]:
        response = httpx.get(
            f"{county.api}/api/v1/events", headers=_auth(county), params={"limit": 200}, timeout=10
        )
        assert response.status_code == 200, response.text
        by_camera: dict[str, set[str]] = {}
        for event in response.json()["data"]:
            by_camera.setdefault(event["camera_id"], set()).add(event["type"])
        return by_camera

    remaining = FINDINGS_WITHIN_S - (time.time() - county.started)
    _wait_for(
        lambda: all(t in found().get(c, set()) for c, t in EXPECTED.items()), remaining, "the three findings"
    )
    events = found()
    assert {c: events[c] for c in EXPECTED} == {c: {t} for c, t in EXPECTED.items()}
    assert set(events) == set(EXPECTED), events
    with county.database.connect() as connection:
        twice = connection.execute(
            text(
                "SELECT camera_id, type, count(*) FROM events WHERE ended_at IS NULL GROUP BY 1, 2 HAVING count(*) > 1"
            )
        ).all()
        # Evidence lies in the database, written with its event, where the API on any machine reads it.
        pictures = connection.scalar(text("SELECT count(*) FROM evidence WHERE content IS NOT NULL"))
    assert twice == []
    assert pictures and pictures > 0
    event = httpx.get(f"{county.api}/api/v1/events", headers=_auth(county), timeout=10).json()["data"][0]
    picture = httpx.get(
        f"{county.api}/api/v1/events/{event['id']}/evidence.jpg", headers=_auth(county), timeout=10
    )
    assert picture.status_code == 200 and picture.content[:2] == b"\xff\xd8"


def test_an_on_demand_patrol_from_the_api_reaches_the_planner(county: County) -> None:
    response = httpx.post(f"{county.api}/api/v1/schools/school-03/patrol", headers=_auth(county), timeout=10)
    assert response.status_code == 202, response.text
    request_id = response.json()["id"]

    def done() -> bool:
        patrol = httpx.get(
            f"{county.api}/api/v1/schools/school-03/patrols/{request_id}", headers=_auth(county), timeout=10
        ).json()
        return patrol["completed_at"] is not None

    _wait_for(done, 180, "the on-demand patrol of school-03 to complete")


def test_a_camera_imported_while_the_county_runs_is_planned_and_looked_at(county: County) -> None:
    """No role restarts: the planner plans it and a worker judges it, the worker reading the
    cameras for the order if its own refresh has not come yet."""
    config = county.processes.config
    port = yaml.safe_load(config.read_text(encoding="utf-8"))["simulator"]["port"]
    camera_id = "34020200001310000901"
    sheet = config.parent / "late.csv"
    sheet.write_text(
        "id,school,name,role,stream,username,credentials\n"
        f"{camera_id},school-01,新门卫室,booth,rtsp://127.0.0.1:{port}/school-01/booth-1,patrol,"
        "PATROL_CAMERA_PASSWORD\n",
        encoding="utf-8",
    )
    _patrol("cameras", "import", str(sheet), "--config", str(config))
    imported = datetime.now(UTC)
    # Within a refresh, then within the camera's maximum gap, and the look's own time.
    _wait_for(
        lambda: _last_look_at(county.database, camera_id) > imported,
        REFRESH_S + MAX_GAP_S + 30,
        "a look at the camera imported while the county runs",
    )
    with county.database.connect() as connection:
        outcomes = set(
            connection.scalars(text("SELECT outcome FROM looks WHERE camera_id = :c"), {"c": camera_id})
        )
    assert outcomes == {"ok"}
    assert f"imported cameras changed: 1 added ({camera_id})" in _planner_logs(county.processes)


def test_every_role_answers_on_its_status_port(county: County) -> None:
    """The planners and a worker serve no API, yet the county's monitoring sees each: liveness,
    readiness with the planner's state, and Prometheus figures behind the metrics token."""
    status = county.status
    _wait_for(lambda: _answers(f"{status['worker-1']}/readyz"), 60, "worker-1's status port")
    answers = {name: httpx.get(f"{url}/readyz", timeout=5) for name, url in status.items()}
    assert {name: (a.status_code, a.json()["state"]) for name, a in answers.items()} == {
        "planner-a": (200, "active"),
        "planner-b": (200, "standby"),
        "worker-1": (200, "running"),
    }, {name: a.text for name, a in answers.items()}
    assert httpx.get(f"{status['planner-b']}/healthz", timeout=5).json() == {
        "status": "ok",
        "role": "planner",
    }
    assert httpx.get(f"{status['planner-a']}/metrics", timeout=5).status_code == 401
    bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    figures = {
        name: httpx.get(f"{url}/metrics", headers=bearer, timeout=5).text for name, url in status.items()
    }
    assert "patrol_planner_active 1.0" in figures["planner-a"]
    assert "patrol_planner_active 0.0" in figures["planner-b"]
    for series in (
        "patrol_broker_orders_waiting",
        "patrol_looks_lost_total",
        "patrol_planner_demand_workers",
    ):
        assert f"\n{series} " in figures["planner-a"], series
    looks = re.findall(
        r'^patrol_looks_total\{kind="\w+",outcome="\w+"\} (\d+\.\d+)$', figures["worker-1"], re.M
    )
    assert looks and sum(float(n) for n in looks) >= 1, figures["worker-1"][:2000]
    assert "patrol_look_duration_seconds_bucket" in figures["worker-1"]
    assert not any(PASSWORD in text for text in figures.values())


def test_the_standby_planner_takes_over_and_keeps_every_gap(county: County) -> None:
    processes = county.processes
    killed = time.monotonic()
    killed_at = datetime.now(UTC)
    processes.kill("planner-a")
    _wait_for(lambda: "planner active" in processes.log("planner-b"), 30, "the standby to take over")
    print(f"standby active {time.monotonic() - killed:.1f} s after the kill")
    standby = f"{county.status['planner-b']}/readyz"
    _wait_for(
        lambda: _answers(standby) and httpx.get(standby).json()["state"] == "active", 10, "its readiness"
    )
    time.sleep(TAKEOVER_WATCH_S)
    with county.database.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT camera_id, started_at FROM looks WHERE started_at > :since "
                "UNION ALL SELECT camera_id, max(started_at) FROM looks WHERE started_at <= :since GROUP BY camera_id "
                "ORDER BY 1, 2"
            ),
            {"since": killed_at},
        ).all()
    worst = _worst_gaps(rows, datetime.now(UTC))
    over = {camera: round(gap) for camera, gap in worst.items() if gap > MAX_GAP_S + 30}
    print(
        f"worst gap in the {TAKEOVER_WATCH_S:.0f} s after the takeover: "
        f"{max(worst.values()):.0f} s over {len(worst)} cameras"
    )
    # Every camera: the demo's 6, the 30 booths and, when the import test ran first, the camera
    # imported there, which the standby learnt of when it took over.
    with county.database.connect() as connection:
        cameras = set(connection.scalars(text("SELECT id FROM cameras")))
    assert set(worst) == cameras and len(cameras) >= 36 and over == {}


def _worst_gaps(rows: list[tuple[str, datetime]], now: datetime) -> dict[str, float]:
    by_camera: dict[str, list[datetime]] = {}
    for camera, started in rows:
        by_camera.setdefault(camera, []).append(started)
    return {
        camera: max((b - a).total_seconds() for a, b in zip(times, [*times[1:], now], strict=True))
        for camera, times in by_camera.items()
    }


def _looks_started(log: str) -> list[tuple[str, str]]:
    return re.findall(r"order (\S+): \w+ look at camera (\S+)", log)


def _looks_finished(log: str) -> set[str]:
    """The orders whose look a worker's log says is done ("order ID: ok in 11.2 s")."""
    return set(re.findall(r"order (\S+): \w+ in [\d.]+ s", log))


def _worker_logs(processes: Processes) -> str:
    return processes.log("worker-1") + processes.log("worker-2")


def _planner_logs(processes: Processes) -> str:
    return processes.log("planner-a") + processes.log("planner-b")


def _last_look_at(database: Engine, camera_id: str) -> datetime:
    with database.connect() as connection:
        at = connection.scalar(
            text("SELECT max(started_at) FROM looks WHERE camera_id = :c"), {"c": camera_id}
        )
    return at or datetime.min.replace(tzinfo=UTC)


def _auth(county: County) -> dict[str, str]:
    return {"Authorization": f"Bearer {county.token}"}


def _listens(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_for(condition, within_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    raise AssertionError(f"waited {within_s:.0f} s for {what}")


def _patrol(*args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "patrol.cli", *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATROL_CAMERA_PASSWORD": PASSWORD},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout
