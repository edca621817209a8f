"""A simulated county on the machine's PostgreSQL and RabbitMQ: the demo's six cameras and more
staffed booths, a config for the planner, worker and API processes, and the processes themselves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.conftest import REPO, free_port

PASSWORD = "County-Camera-Secret-77a1"
METRICS_TOKEN = "County-Metrics-Token-5c2e"
EXPECTED = {
    "xihe-booth": "guard_absent",
    "xihe-gate": "unregistered_entry",
    "xihe-street": "loitering",
}


@contextmanager
def rabbitmq_vhost() -> Iterator[str]:
    """A broker URL on a virtual host of its own, so tests and runs on this machine never share queues."""
    vhost = f"patrol-test-{uuid.uuid4().hex[:10]}"
    _rabbitmqctl("add_vhost", vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def county_config(work: Path, database_url: str, broker_url: str, *, extra_booths: int, workers: int) -> Path:
    """The demo config on PostgreSQL and RabbitMQ, with `extra_booths` staffed booths at more schools."""
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    rtsp_port, api_port = free_port(), free_port()
    config["data_dir"] = str(work / "data")
    config["database_url"] = database_url
    config["broker_url"] = broker_url
    config["api"]["port"] = api_port
    config["sampling"]["workers"] = workers
    config["sampling"]["look_timeout_s"] = 90
    config["registry"]["refresh_s"] = 5
    config["simulator"]["port"] = rtsp_port
    config["simulator"]["onvif_port"] = None  # RTSP is all these cameras need; no fixed ports taken
    for camera in config["cameras"]:
        camera["stream"] = camera["stream"].replace("127.0.0.1:8554", f"127.0.0.1:{rtsp_port}")
    booth = next(c for c in config["cameras"] if c["id"] == "dongcheng-booth")
    for n in range(extra_booths):
        school = f"school-{n // 6 + 1:02d}"
        if not any(s["id"] == school for s in config["schools"]):
            config["schools"].append({"id": school, "name": f"School {n // 6 + 1}"})
        path = f"/{school}/booth-{n % 6 + 1}"
        config["cameras"].append(
            {
                **booth,
                "id": f"{school}-booth-{n % 6 + 1}",
                "school": school,
                "stream": f"rtsp://patrol:${{PATROL_CAMERA_PASSWORD}}@127.0.0.1:{rtsp_port}{path}",
            }
        )
        config["simulator"]["paths"][path] = "booth_staffed"
    path = work / "county.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Processes:
    """The county's processes, each logging to its own file under `logs`."""

    config: Path
    logs: Path
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with open(self.logs / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "patrol.cli", *args, "--config", str(self.config)],
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PATROL_CAMERA_PASSWORD": PASSWORD, "PATROL_METRICS_TOKEN": METRICS_TOKEN},
            )
        self.running[name] = process
        return process

    def kill(self, name: str) -> None:
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    @contextmanager
    def frozen(self, name: str) -> Iterator[None]:
        """Holds the process still (SIGSTOP) while the caller looks at what it has written so far;
        lets it go on after unless the caller killed it."""
        process = self.running[name]
        process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            if self.running.get(name) is process:
                process.send_signal(signal.SIGCONT)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop_all(self) -> None:
        for process in self.running.values():
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.running.values():
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        self.running.clear()
