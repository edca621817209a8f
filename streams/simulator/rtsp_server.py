"""Serve pre-encoded H.264 loops over RTSP, like a set of always-on cameras.

Runs as its own process under Debian's /usr/bin/python3, the only Python where the
GStreamer RTSP server bindings load, so it imports nothing but the standard library
and gi. ``SimulatorServer`` (server.py) starts it and writes the spec to stdin as the
first line:

    {"host": "127.0.0.1", "port": 8554, "username": "...", "password": "...",
     "paths": {"/school-a/booth": {"file": "booth.au", "fps": 10}, ...}}

Credentials come through stdin, never argv, and are never printed. Once listening it
prints one line, ``READY <port>``; SIGTERM or SIGINT stops it.

Each path replays its access units without re-encoding. The unit sent is chosen by
the path's scenario clock (frame = floor(scenario_s * fps) mod frames), which runs with
the wall clock: what a client sees does not depend on when it connected, and a client
joins mid-GOP as it would on a camera. At first a path's scenario time is the Unix time.

Later stdin lines are commands, one JSON object a line, answered on stdout:

    {"id": 7, "seek": {"path": "/school-a/booth", "scenario_s": 42.0}}
        -> "OK 7" once the path's clock reads 42.0 s (and runs on from there), or
           "ERROR 7 <reason>"

A seek lets an evaluation jump a scenario forward between looks, when nobody watches.
"""

import json
import math
import os
import signal
import struct
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

# The .au format written by encode.py: magic, then (length, flags, Annex-B bytes)*.
MAGIC = b"SPAU\x01"
HEADER = struct.Struct(">IB")
ROLE = "viewer"
ROLE_PERMISSIONS = f"{ROLE}, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
# If the pusher falls this far behind the clock, it rejoins the clock instead of
# sending a burst, as a camera drops frames.
MAX_LAG_S = 1.0
LAUNCH = (
    "( appsrc name=src is-live=true format=time do-timestamp=true"
    " caps=video/x-h264,stream-format=byte-stream,alignment=au"
    " ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 )"
)


def read_units(path):
    """[(annexb_bytes, is_keyframe)] from an .au file."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(MAGIC):
        raise ValueError(f"{path} is not an access-unit file")
    units = []
    offset = len(MAGIC)
    while offset < len(data):
        if offset + HEADER.size > len(data):
            raise ValueError(f"{path} is truncated")
        length, flags = HEADER.unpack_from(data, offset)
        offset += HEADER.size
        if offset + length > len(data):
            raise ValueError(f"{path} is truncated")
        units.append((data[offset : offset + length], bool(flags & 1)))
        offset += length
    if not units:
        raise ValueError(f"{path} holds no access units")
    return units


class ScenarioClock:
    """A path's scenario time: the wall clock, shifted by the latest seek."""

    def __init__(self):
        self._lock = threading.Lock()
        self._origin = 0.0  # wall time at which scenario time was 0
        self.generation = 0  # counts seeks, so a running pusher notices one

    def seek(self, scenario_s):
        with self._lock:
            self._origin = time.time() - scenario_s
            self.generation += 1

    def now(self):
        with self._lock:
            return time.time() - self._origin, self.generation


class Pusher:
    """Feeds one media's appsrc in real time until the media stops."""

    def __init__(self, appsrc, units, fps, clock):
        self._appsrc = appsrc
        self._units = units
        self._fps = fps
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = False
        self._lock = threading.Lock()

    def start_once(self, *_args):
        # need-data fires repeatedly; only the first one starts the thread. It fires
        # once the pipeline streams, before which pushing would just be refused.
        with self._lock:
            if not self._started:
                self._started = True
                self._thread.start()

    def stop(self, *_args):
        self._stop.set()

    def _run(self):
        fps = self._fps
        count = len(self._units)
        duration = Gst.SECOND // fps
        scenario_s, generation = self._clock.now()
        tick = math.floor(scenario_s * fps)
        # Wall time of tick 0: ticks are paced by the wall clock, which the seeks shift.
        zero = time.time() - scenario_s
        while not self._stop.is_set():
            scenario_s, seen = self._clock.now()
            if seen != generation:
                generation = seen
                tick = math.floor(scenario_s * fps)
                zero = time.time() - scenario_s
            data, keyframe = self._units[tick % count]
            buffer = Gst.Buffer.new_wrapped(data)
            buffer.duration = duration
            if not keyframe:
                buffer.set_flags(Gst.BufferFlags.DELTA_UNIT)
            if self._appsrc.emit("push-buffer", buffer) != Gst.FlowReturn.OK:
                return  # the pipeline is shutting down
            tick += 1
            delay = zero + tick / fps - time.time()
            if delay > 0:
                self._stop.wait(delay)
            elif -delay > MAX_LAG_S:
                tick = math.floor((time.time() - zero) * fps)


class LoopFactory(GstRtspServer.RTSPMediaFactory):
    """One camera path. Shared: all clients of a path watch the same pipeline."""

    def __init__(self, units, fps):
        super().__init__()
        self._units = units
        self._fps = fps
        self.clock = ScenarioClock()
        self.set_launch(LAUNCH)
        self.set_shared(True)
        self.add_role_from_structure(Gst.Structure.new_from_string(ROLE_PERMISSIONS))
        self.connect("media-configure", self._on_media_configure)

    def _on_media_configure(self, _factory, media):
        appsrc = media.get_element().get_child_by_name("src")
        pusher = Pusher(appsrc, self._units, self._fps, self.clock)
        appsrc.connect("need-data", pusher.start_once)
        media.connect("unprepared", pusher.stop)


def fail(message):
    print(f"rtsp_server: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def read_first_line(fd):
    """The spec line, read byte by byte so nothing after it is taken from the commands."""
    line = bytearray()
    while True:
        byte = os.read(fd, 1)
        if not byte or byte == b"\n":
            return bytes(line)
        line += byte


class Commands:
    """Reads command lines from stdin inside the GLib main loop and answers each on stdout."""

    def __init__(self, fd, factories):
        self._fd = fd
        self._factories = factories
        self._pending = b""

    def on_input(self, _fd, condition):
        chunk = os.read(self._fd, 65536) if condition & GLib.IO_IN else b""
        if not chunk:
            return GLib.SOURCE_REMOVE  # stdin closed: serve on, without commands
        self._pending += chunk
        *lines, self._pending = self._pending.split(b"\n")
        for line in lines:
            if line.strip():
                print(self.answer(line), flush=True)
        return GLib.SOURCE_CONTINUE

    def answer(self, line):
        try:
            command = json.loads(line)
            ident = int(command["id"])
        except (ValueError, KeyError, TypeError):
            return "ERROR - not a command: expected JSON with an integer id"
        try:
            seek = command["seek"]
            path, scenario_s = str(seek["path"]), float(seek["scenario_s"])
        except (KeyError, TypeError, ValueError):
            return f"ERROR {ident} unknown command; expected seek with path and scenario_s"
        factory = self._factories.get(path)
        if factory is None:
            return f"ERROR {ident} no such path"
        if not math.isfinite(scenario_s):
            return f"ERROR {ident} scenario_s must be a finite number"
        factory.clock.seek(scenario_s)
        return f"OK {ident}"


def main():
    try:
        spec = json.loads(read_first_line(0))
        host = str(spec["host"])
        port = int(spec["port"])
        username = str(spec["username"])
        password = str(spec["password"])
        paths = {str(p): (str(v["file"]), int(v["fps"])) for p, v in spec["paths"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # Name the problem, never the content: the spec carries the password.
        fail(f"bad spec on stdin ({type(exc).__name__})")
    if not paths:
        fail("the spec lists no paths")

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(host)
    server.set_service(str(port))

    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, ROLE)
    auth = GstRtspServer.RTSPAuth()
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(username, password), token)
    server.set_auth(auth)

    mounts = server.get_mount_points()
    factories = {}
    for path, (file, fps) in paths.items():
        if not path.startswith("/"):
            fail(f"path {path!r} must start with '/'")
        if fps <= 0:
            fail(f"path {path}: fps must be positive")
        try:
            units = read_units(file)
        except (OSError, ValueError) as exc:
            fail(f"path {path}: {exc}")
        factories[path] = LoopFactory(units, fps)
        mounts.add_factory(path, factories[path])

    if server.attach(None) == 0:
        fail(f"cannot listen on {host}:{port}")

    loop = GLib.MainLoop()

    def quit_loop():
        loop.quit()
        return GLib.SOURCE_REMOVE

    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, quit_loop)

    # A parent killed outright cannot stop us: notice it is gone and leave with it.
    parent = os.getppid()

    def leave_with_parent():
        if os.getppid() != parent:
            loop.quit()
            return GLib.SOURCE_REMOVE
        return GLib.SOURCE_CONTINUE

    GLib.timeout_add_seconds(1, leave_with_parent)
    commands = Commands(0, factories)
    GLib.io_add_watch(0, GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR, commands.on_input)
    print(f"READY {port}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
