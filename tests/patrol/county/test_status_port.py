"""A county role's status port over real HTTP: liveness, readiness with its reasons, and
Prometheus figures behind the metrics token. The roles themselves answer in test_county."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from patrol.county.roles import PlannerDuty
from patrol.county.status import RoleStatus, StatusPort, StatusServer
from patrol.metrics import BrokerFigures, PatrolMetrics
from patrol.store import Store

TOKEN = "Status-Token-0b7d"


@pytest.fixture
def serve() -> Iterator[Callable[[RoleStatus, str | None], str]]:
    servers: list[StatusServer] = []

    def start(status: RoleStatus, token: str | None = TOKEN) -> str:
        server = StatusServer(status, StatusPort("127.0.0.1", 0, token)).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.port}"

    yield start
    for server in servers:
        server.stop()


def test_readiness_names_its_reasons_and_metrics_want_the_token(
    serve: Callable[[RoleStatus, str | None], str],
) -> None:
    reasons: list[str] = []
    metrics = PatrolMetrics()
    metrics.watch_broker(
        lambda: BrokerFigures(active=True, orders_waiting=3, orders_in_flight=5, looks_lost=2)
    )
    base = serve(RoleStatus("planner", metrics, lambda: list(reasons), lambda: "active"), TOKEN)

    assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "role": "planner"}
    ready = httpx.get(f"{base}/readyz")
    assert (ready.status_code, ready.json()) == (
        200,
        {"status": "ready", "role": "planner", "state": "active", "reasons": []},
    )
    reasons.append("the patrol's dispatcher thread has stopped")
    ready = httpx.get(f"{base}/readyz")
    assert (ready.status_code, ready.json()["reasons"]) == (
        503,
        ["the patrol's dispatcher thread has stopped"],
    )

    refused = httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer wrong"})
    assert (refused.status_code, refused.headers["WWW-Authenticate"]) == (401, "Bearer")
    assert httpx.get(f"{base}/metrics").status_code == 401
    figures = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert figures.status_code == 200 and figures.headers["Content-Type"].startswith("text/plain")
    for line in (
        "patrol_planner_active 1.0",
        "patrol_broker_orders_waiting 3.0",
        "patrol_broker_orders_in_flight 5.0",
        "patrol_looks_lost_total 2.0",
    ):
        assert f"\n{line}\n" in figures.text, line
    assert httpx.get(f"{base}/docs").status_code == 404
    assert httpx.post(f"{base}/readyz").status_code == 501


def test_metrics_are_off_without_a_token_and_a_failing_check_is_not_ready(
    serve: Callable[[RoleStatus, str | None], str],
) -> None:
    def broken() -> list[str]:
        raise RuntimeError("boom")

    base = serve(RoleStatus("worker w1", PatrolMetrics(), broken), None)
    assert httpx.get(f"{base}/metrics").status_code == 404
    ready = httpx.get(f"{base}/readyz")
    assert (ready.status_code, ready.json()["reasons"]) == (503, ["readiness check failed (RuntimeError)"])


def test_a_standby_planner_is_ready_while_the_database_answers(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'patrol.sqlite3'}", tmp_path / "evidence")
    store.create_schema()
    duty = PlannerDuty(store)
    assert (duty.state(), duty.problems()) == ("standby", [])
    assert duty.broker_figures() == BrokerFigures(
        active=False, orders_waiting=0, orders_in_flight=0, looks_lost=0
    )
    store.close()
    gone = Store(f"sqlite:///{tmp_path / 'no-such-dir' / 'patrol.sqlite3'}", tmp_path / "evidence")
    try:
        [reason] = PlannerDuty(gone).problems()
    finally:
        gone.close()
    assert reason == "database unreachable (OperationalError)"
