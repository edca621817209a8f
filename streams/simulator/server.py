"""Start and stop the simulated cameras: one RTSP server process, many paths.

The server itself (rtsp_server.py) must run under Debian's system Python, where the
GStreamer RTSP bindings live, so this class is the bridge: it pre-encodes the timelines
in our environment, hands the server its spec on stdin, sends it commands (seek a path's
scenario clock) on the same pipe, and owns its lifecycle.
"""

from __future__ import annotations

import collections
import contextlib
import json
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO
from urllib.parse import quote

from streams.simulator.encode import cached_loop
from streams.simulator.onvif_cameras import SUB_STREAM_SUFFIX, OnvifCameras, sub_stream_paths
from streams.simulator.scenarios import SCENARIOS, Scenario

# Debian's interpreter, not ours: python3-gi and the RTSP server typelib only load there.
SYSTEM_PYTHON = "/usr/bin/python3"
_SCRIPT = Path(__file__).with_name("rtsp_server.py")
_LOG_LINES = 200
_GI_PROBE = (
    "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0');"
    " from gi.repository import Gst, GstRtspServer"
)


class SimulatorError(RuntimeError):
    """The simulator could not start. Messages never carry the password."""


def unavailable_reason(timeout_s: float = 30.0) -> str | None:
    """Why the RTSP server cannot run on this machine, or None if it can."""
    try:
        probe = subprocess.run(
            [SYSTEM_PYTHON, "-c", _GI_PROBE], capture_output=True, text=True, timeout=timeout_s
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {SYSTEM_PYTHON}: {exc}"
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no error output"])[-1]
        return f"{SYSTEM_PYTHON} cannot load GstRtspServer ({last})"
    return None


class SimulatorServer:
    """Simulated cameras on ``rtsp://host:port/<path>``, each path playing a scenario.

    A path names a built-in scenario or carries a ``Scenario`` (from a scenario file, say).
    With ``onvif_port`` (0: any free ports) each path is also an ONVIF device with a main and a
    sub stream (see onvif_cameras). Use it as a context manager, or call ``start`` and ``stop``.
    """

    def __init__(
        self,
        paths: Mapping[str, str | Scenario],
        *,
        port: int,
        username: str,
        password: str,
        cache_dir: Path,
        host: str = "127.0.0.1",
        onvif_port: int | None = None,
    ) -> None:
        if not paths:
            raise ValueError("a simulator needs at least one path")
        scenarios: dict[str, Scenario] = {}
        for path, scenario in paths.items():
            if not path.startswith("/"):
                raise ValueError(f"RTSP path {path!r} must start with '/'")
            if isinstance(scenario, str):
                if scenario not in SCENARIOS:
                    known = ", ".join(SCENARIOS)
                    raise ValueError(f"path {path}: unknown scenario {scenario!r}; known: {known}")
                scenario = SCENARIOS[scenario]
            scenarios[path] = scenario
        self.paths = scenarios
        # What the RTSP server plays: the paths, and their sub streams when they are ONVIF devices.
        self._served = scenarios if onvif_port is None else {**scenarios, **sub_stream_paths(scenarios)}
        self._onvif: OnvifCameras | None = None
        if onvif_port is not None:
            self._onvif = OnvifCameras(
                scenarios,
                rtsp_url=lambda path: self.url(path, with_credentials=False),
                scenario_s=self.scenario_s,
                first_port=onvif_port,
                username=username,
                password=password,
                host=host,
            )
        # Wall time at which each path's scenario time was 0, as the RTSP server keeps it.
        self._origins: dict[str, float] = {}
        self.port = port
        self.host = host
        self.cache_dir = cache_dir
        self._username = username
        self._password = password
        self._process: subprocess.Popen[str] | None = None
        self._ready = threading.Event()
        self._log: collections.deque[str] = collections.deque(maxlen=_LOG_LINES)
        self._readers: list[threading.Thread] = []
        self._commands = threading.Lock()  # one command on the pipe at a time
        self._answers: dict[int, str] = {}
        self._answered = threading.Condition()
        self._next_id = 1

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def output(self) -> str:
        """The server's recent stdout and stderr lines, for diagnosing a failure."""
        return "\n".join(self._log)

    def url(self, path: str, *, with_credentials: bool = True) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        userinfo = ""
        if with_credentials:
            userinfo = f"{quote(self._username, safe='')}:{quote(self._password, safe='')}@"
        return f"rtsp://{userinfo}{host}:{self.port}{path}"

    def onvif_address(self, path: str) -> str:
        """`host:port` of the path's ONVIF device (the simulator must run with ``onvif_port``)."""
        if self._onvif is None:
            raise SimulatorError("this simulator serves no ONVIF devices")
        return self._onvif.address(path)

    def scenario_s(self, path: str) -> float:
        """The path's scenario clock, as the RTSP server runs it."""
        return time.time() - self._origins.get(path, 0.0)

    def start(self, timeout_s: float = 60.0) -> None:
        """Encode (or reuse) the timelines, start the server, and wait until it listens.

        Encoding a long scenario for the first time can take a while: ``prepare`` first
        when that must not count against ``timeout_s``.
        """
        if self._process is not None:
            raise SimulatorError("the simulator is already started")
        deadline = time.monotonic() + timeout_s
        files: dict[str, Path] = {}
        for path, scenario in self._served.items():
            files[path] = cached_loop(scenario, self.cache_dir)
            if time.monotonic() > deadline:
                raise SimulatorError(f"encoding the scenarios took longer than {timeout_s} s")
        spec = {
            "host": self.host,
            "port": self.port,
            "username": self._username,
            "password": self._password,
            "paths": {
                path: {"file": str(files[path].resolve()), "fps": self._served[path].camera.fps}
                for path in self._served
            },
        }
        self._launch(json.dumps(spec))
        self._wait_ready(deadline, timeout_s)
        if self._onvif is not None:
            try:
                self._onvif.start()
            except OSError as exc:
                self.stop()
                raise SimulatorError(f"the ONVIF devices could not listen: {exc}") from exc

    def prepare(self) -> None:
        """Encode every path's timeline into the cache now (start reuses them)."""
        for scenario in self._served.values():
            cached_loop(scenario, self.cache_dir)

    def seek(self, path: str, scenario_s: float, timeout_s: float = 5.0) -> None:
        """Set the path's scenario clock to ``scenario_s``; it runs on with the wall clock.

        Returns once the server has applied it, so a stream opened afterwards shows the new time.
        """
        if path not in self.paths:
            raise ValueError(f"no simulated camera at {path!r}")
        for served in (path, path + SUB_STREAM_SUFFIX):
            if served in self._served:
                reply = self._command({"seek": {"path": served, "scenario_s": scenario_s}}, timeout_s)
                if reply != "OK":
                    raise SimulatorError(f"seek {served} to {scenario_s:.1f} s refused: {reply}")
        self._origins[path] = time.time() - scenario_s

    def _command(self, command: dict[str, object], timeout_s: float) -> str:
        process = self._process
        if process is None or process.poll() is not None or process.stdin is None:
            raise SimulatorError("the simulator is not running")
        with self._commands:
            ident = self._next_id
            self._next_id += 1
            try:
                process.stdin.write(json.dumps({"id": ident, **command}) + "\n")
                process.stdin.flush()
            except OSError as exc:
                raise SimulatorError(f"the simulator stopped taking commands: {exc}") from exc
            deadline = time.monotonic() + timeout_s
            with self._answered:
                while ident not in self._answers:
                    left = deadline - time.monotonic()
                    if left <= 0 or process.poll() is not None:
                        raise SimulatorError(f"the simulator did not answer a command within {timeout_s} s")
                    self._answered.wait(min(left, 0.2))
                return self._answers.pop(ident)

    def _launch(self, spec: str) -> None:
        self._ready.clear()
        self._log.clear()
        try:
            process = subprocess.Popen(
                [SYSTEM_PYTHON, str(_SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        except OSError as exc:
            raise SimulatorError(f"cannot run {SYSTEM_PYTHON}: {exc}") from exc
        self._process = process
        assert process.stdin and process.stdout and process.stderr
        # Readers drain both pipes for the server's whole life: a full pipe would block it.
        self._readers = [
            threading.Thread(target=self._read, args=(process.stdout, True), daemon=True),
            threading.Thread(target=self._read, args=(process.stderr, False), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        try:
            # One line; stdin then stays open for commands.
            process.stdin.write(spec + "\n")
            process.stdin.flush()
        except OSError:
            pass  # it died at once; _wait_ready reports how

    def _read(self, stream: IO[str], is_stdout: bool) -> None:
        for line in stream:
            line = line.rstrip("\n")
            if is_stdout and self._answer(line):
                continue  # command answers are not log lines
            self._log.append(line)
            if is_stdout and line == f"READY {self.port}":
                self._ready.set()

    def _answer(self, line: str) -> bool:
        status, _, rest = line.partition(" ")
        if status not in ("OK", "ERROR"):
            return False
        ident, _, reason = rest.partition(" ")
        if not ident.isdigit():
            return False
        with self._answered:
            self._answers[int(ident)] = "OK" if status == "OK" else reason or "refused"
            self._answered.notify_all()
        return True

    def _wait_ready(self, deadline: float, timeout_s: float) -> None:
        process = self._process
        assert process is not None
        while not self._ready.wait(0.05):
            if process.poll() is not None:
                for reader in self._readers:
                    reader.join(timeout=1.0)  # collect its last words
                self.stop()
                raise SimulatorError(
                    f"the RTSP simulator on {self.host}:{self.port} exited with code "
                    f"{process.returncode} before it was ready: {self._redacted_tail()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise SimulatorError(
                    f"the RTSP simulator on {self.host}:{self.port} was not ready within "
                    f"{timeout_s} s: {self._redacted_tail()}"
                )

    def _redacted_tail(self) -> str:
        tail = " | ".join(list(self._log)[-5:]) or "no output"
        if self._password:
            tail = tail.replace(self._password, "***")
        return tail

    def stop(self, timeout_s: float = 5.0) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time. Safe to call twice."""
        if self._onvif is not None:
            self._onvif.stop()
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout_s)
        for reader in self._readers:
            reader.join(timeout=timeout_s)
        self._readers = []
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                # Closing the stdin of a dead process cannot flush; nothing is lost.
                with contextlib.suppress(OSError):
                    pipe.close()

    def __enter__(self) -> SimulatorServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
