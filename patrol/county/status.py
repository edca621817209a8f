"""A county role's own status port: `/healthz`, `/readyz` and `/metrics` for the planner and the
workers, which serve no API of their own, so the county's monitoring sees every process.

The standard library's threaded HTTP server is enough for a few probes and scrapes a minute.
`/metrics` wants the API's bearer token (`api.metrics_token`) and is off without one; the answers
carry aggregates only, never a look time or a camera's address.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from patrol.metrics import CONTENT_TYPE, PatrolMetrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatusPort:
    """Where a role answers, from the command line (`--status-port`), and the metrics token."""

    host: str
    port: int  # 0: any free port
    metrics_token: str | None


@dataclass(frozen=True)
class RoleStatus:
    role: str  # "planner" or "worker NAME"
    metrics: PatrolMetrics
    # Why the process cannot do its work now (empty: ready). Called on each /readyz.
    readiness_problems: Callable[[], list[str]]
    # Said beside "ready": a standby planner is ready, and says it waits.
    state: Callable[[], str] = lambda: "running"


class StatusServer:
    def __init__(self, status: RoleStatus, where: StatusPort) -> None:
        handler = type("_BoundHandler", (_StatusHandler,), {"status": status, "token": where.metrics_token})
        self._server = ThreadingHTTPServer((where.host, where.port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="status-port", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> StatusServer:
        self._thread.start()
        log.info("status port: /healthz, /readyz and /metrics on port %d", self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _StatusHandler(BaseHTTPRequestHandler):
    status: RoleStatus
    token: str | None
    server_version = "patrol-status"
    sys_version = ""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._json(HTTPStatus.OK, {"status": "ok", "role": self.status.role})
        elif path == "/readyz":
            self._readyz()
        elif path == "/metrics":
            self._metrics()
        else:
            self._json(HTTPStatus.NOT_FOUND, {"detail": "not found: /healthz, /readyz or /metrics"})

    def _readyz(self) -> None:
        try:
            reasons = self.status.readiness_problems()
        except Exception as exc:  # a probe must answer, whatever broke
            log.warning("readiness check failed: %s", type(exc).__name__)
            reasons = [f"readiness check failed ({type(exc).__name__})"]
        body = {
            "status": "not ready" if reasons else "ready",
            "role": self.status.role,
            "state": self.status.state(),
            "reasons": reasons,
        }
        self._json(HTTPStatus.SERVICE_UNAVAILABLE if reasons else HTTPStatus.OK, body)

    def _metrics(self) -> None:
        expected = self.token
        if not expected:
            self._json(
                HTTPStatus.NOT_FOUND, {"detail": "metrics are off: set api.metrics_token in the config"}
            )
            return
        scheme, _, sent = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(sent.strip().encode(), expected.encode()):
            self._json(
                HTTPStatus.UNAUTHORIZED,
                {"detail": "send api.metrics_token as a bearer token"},
                {"WWW-Authenticate": "Bearer"},
            )
            return
        self._send(HTTPStatus.OK, self.status.metrics.exposition(), CONTENT_TYPE)

    def _json(
        self, code: HTTPStatus, body: Mapping[str, object], headers: dict[str, str] | None = None
    ) -> None:
        self._send(code, json.dumps(body).encode(), "application/json", headers)

    def _send(
        self, code: HTTPStatus, content: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("status port: " + format, *args)
