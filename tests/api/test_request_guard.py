"""Bodies are bounded and credentials come first: a hostile POST cannot fill the server's memory."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import ApiSettings
from patrol.store import Store, sqlite_url
from tests.api.support import SETTINGS, Site, bearer_client, make_app, populate, token_for
from tests.conftest import REPO, free_port

MB = 1024 * 1024
HUGE = 50 * MB


def peak_rss_kib(pid: int) -> int:
    """The process's high-water resident set (VmHWM): a body held even briefly shows in it."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, int, str]]:
    """(pid, port, an officer's token) of the test app served in its own process over SQLite."""
    store = Store(sqlite_url(tmp_path), tmp_path / "evidence")
    store.create_schema()
    populate(store)
    token = token_for(make_app(store), "officer")
    store.close()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.api.server_process", str(tmp_path), str(port)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, "the server process ended"
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield process.pid, port, token
    finally:
        process.terminate()
        process.wait(10)


def post_huge(port: int, *, chunked: bool, token: str | None) -> int:
    """POSTs a 50 MB body to /api/v1/hazards, as fast as the server takes it; returns the status."""
    head = [
        "POST /api/v1/hazards HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked" if chunked else f"Content-Length: {HUGE}",
    ]
    if token:
        head.append(f"Authorization: Bearer {token}")
    piece = b"[" + b"1," * (MB // 2 - 1) + b"1"  # 1 MiB of JSON-looking bytes
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            for _ in range(HUGE // len(piece)):
                if select.select([connection], [], [], 0)[0]:
                    break  # answered already: read that rather than send into a closing connection
                connection.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused: the server answered and closed without reading the rest
        answer = b""
        try:
            while b"\r\n" not in answer:
                received = connection.recv(4096)
                if not received:
                    break
                answer += received
        except ConnectionResetError:
            pass
    assert answer.startswith(b"HTTP/1.1 "), f"no answer to the POST: {answer[:100]!r}"
    return int(answer.split()[1])


@pytest.mark.parametrize(
    ("chunked", "authenticated", "expected"),
    # A Content-Length over the limit is 413 for anyone; a stream without credentials, 401.
    [(False, False, 413), (True, False, 401), (False, True, 413), (True, True, 413)],
    ids=["length-anonymous", "chunked-anonymous", "length-officer", "chunked-officer"],
)
def test_a_50_mb_post_is_refused_without_the_server_holding_it(
    server: tuple[int, int, str], chunked: bool, authenticated: bool, expected: int
) -> None:
    pid, port, token = server
    before = peak_rss_kib(pid)
    status = post_huge(port, chunked=chunked, token=token if authenticated else None)
    grown_mb = (peak_rss_kib(pid) - before) / 1024
    print(f"status {status}, server peak RSS grew {grown_mb:.1f} MB")
    assert status == expected
    assert grown_mb < 20


def test_a_body_over_the_limit_is_413_and_one_within_it_is_read(store: Store, site: Site) -> None:
    app = make_app(store, ApiSettings(**{**SETTINGS.__dict__, "max_body_bytes": 4096}))
    with bearer_client(app, "supervisor") as client:
        small = {"event_id": site.b.id, "deadline": "2025-03-10T18:00:00+08:00", "owner": "门卫 王"}
        big = {**small, "note": "x" * 5000}
        assert client.post("/api/v1/hazards", json=big).status_code == 413
        assert client.post("/api/v1/hazards", json=small).status_code == 201


def test_a_body_without_credentials_is_401_and_a_bodyless_get_still_gets_its_answer(
    app_client: TestClient,
) -> None:
    refused = app_client.post("/api/v1/hazards", json={"event_id": 1, "owner": "x"})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert app_client.get("/api/v1/events").status_code == 401
    assert (
        app_client.post("/api/v1/hazards", json={}, headers={"Authorization": "Bearer spt_wrong"}).status_code
        == 401
    )


@pytest.fixture
def app_client(store: Store) -> Iterator[TestClient]:
    with TestClient(make_app(store)) as client:
        yield client
