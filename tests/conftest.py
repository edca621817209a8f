"""Fixtures shared across the suite: the real detector and the real databases."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import patrol.store.account_tables  # noqa: F401  (its tables join Base.metadata, emptied after each test)
from detectors.manifest import ModelError, verified_weights
from patrol.store import Store, sqlite_url
from patrol.store.tables import Base

REPO = Path(__file__).resolve().parents[1]
MODELS_DIR = REPO / "models"
MODEL_NAME = "person-fall-v8"
POSTGRES_ADMIN_URL = os.environ.get(
    "PATROL_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SHARED_MEDIA = REPO.parent / "shared" / "media"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_camera_port() -> Iterator[int]:
    """A camera that accepts connections and never says a word, like a hung one."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(2)
    for connection in held:
        connection.close()
    server.close()


def _missing(reason: str) -> None:
    # In CI a missing prerequisite is a failure, never a silent skip.
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def detector():  # type: ignore[no-untyped-def]
    try:
        verified_weights(MODELS_DIR, MODEL_NAME)
    except ModelError as exc:
        _missing(f"{exc} (scripts/bootstrap fetches it)")
    from detectors.yolo import YoloPersonDetector

    return YoloPersonDetector(MODELS_DIR, MODEL_NAME)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on SQLite, then on the machine's PostgreSQL."""
    postgres = request.param == "postgresql"
    url = request.getfixturevalue("postgres_url") if postgres else sqlite_url(tmp_path)
    opened = Store(url, tmp_path / "evidence")
    opened.create_schema()
    try:
        yield opened
    finally:
        opened.close()
        if postgres:
            _empty_tables(url)


def _empty_tables(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        names = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the machine's PostgreSQL, dropped afterwards."""
    with postgres_database() as url:
        yield url


@contextlib.contextmanager
def postgres_database(admin_url: str = POSTGRES_ADMIN_URL, prefix: str = "patrol_test") -> Iterator[str]:
    """A fresh database of its own on `admin_url`'s server (the machine's PostgreSQL), dropped
    (connections and all) afterwards."""
    from sqlalchemy.exc import OperationalError

    from patrol.store.scratch_database import scratch_database

    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(admin_url, prefix))
        except OperationalError as exc:
            _missing(f"PostgreSQL at {admin_url} is unreachable: {exc.orig}")
        yield url


@pytest.fixture
def simulator_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[dict[str, str], str], int]]:
    """Starts the real RTSP simulator with the given path -> scenario map; returns its port."""
    from streams.simulator import SimulatorServer

    started: list[SimulatorServer] = []
    cache_dir = tmp_path_factory.getbasetemp() / "simulator-cache"

    def start(paths: dict[str, str], password: str) -> int:
        port = free_port()
        server = SimulatorServer(paths, port=port, username="patrol", password=password, cache_dir=cache_dir)
        server.start()
        started.append(server)
        return port

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def onvif_simulator(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[dict[str, str], str], Any]]:
    """Starts the real simulator with each path also an ONVIF device (on any free ports); returns
    the SimulatorServer, whose `onvif_address(path)` says where each device answers."""
    from streams.simulator import SimulatorServer

    started: list[SimulatorServer] = []
    cache_dir = tmp_path_factory.getbasetemp() / "simulator-cache"

    def start(paths: dict[str, str], password: str) -> SimulatorServer:
        server = SimulatorServer(
            paths, port=free_port(), username="patrol", password=password, cache_dir=cache_dir, onvif_port=0
        )
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# The detector backends scripts/bootstrap installs: in CI they are tested for real, never skipped.
BOOTSTRAP_BACKENDS = ("openvino",)


def require_backend(name: str) -> None:
    """Skip (fail in CI, for a backend bootstrap installs) when a backend's runtime is absent."""
    from detectors.backends import backend_named

    missing = backend_named(name).missing_modules()
    if missing:
        reason = f"the {name} backend is not installed ({', '.join(missing)})"
        if name in BOOTSTRAP_BACKENDS:
            _missing(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def exported_models(tmp_path_factory: pytest.TempPathFactory, detector) -> Callable[[str], Path]:  # type: ignore[no-untyped-def]
    """A models folder of its own per backend, holding the verified weights and their FP32 export."""
    import shutil

    from detectors.backends import DetectorSpec
    from detectors.export_model import export_model

    made: dict[str, Path] = {}

    def export(backend: str) -> Path:
        require_backend(backend)
        if backend not in made:
            folder = tmp_path_factory.mktemp(f"models-{backend}")
            shutil.copy2(MODELS_DIR / "manifest.yaml", folder)
            (folder / f"{MODEL_NAME}.pt").symlink_to(MODELS_DIR / f"{MODEL_NAME}.pt")
            export_model(DetectorSpec(folder, MODEL_NAME), backend)
            made[backend] = folder
        return made[backend]

    return export
