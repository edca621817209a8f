"""The app served for real: uvicorn on a free loopback port in a thread, for browsers and live feeds."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from tests.conftest import free_port


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """Yields the base URL while the app is served; stops the server (and its live feeds) after."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(10)


def read_feed(base: str, headers: dict[str, str], seconds: float, until: str | None = None) -> str:
    """The live feed's text for `seconds`, or until `until` appears in it."""
    received = ""
    deadline = time.monotonic() + seconds
    with (
        httpx.Client(base_url=base, headers=headers, timeout=httpx.Timeout(5.0, read=seconds)) as client,
        client.stream("GET", "/api/v1/events/stream") as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        chunks = response.iter_text()
        while time.monotonic() < deadline:
            try:
                received += next(chunks)
            except (httpx.ReadTimeout, StopIteration):
                break
            if until is not None and until in received:
                break
    return received
