"""The metrics of a real patrol over the RTSP simulator, read as Prometheus reads them."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from patrol.config import parse_config
from patrol.metrics import LOOK_BUCKETS_S, PatrolMetrics
from patrol.notify.publisher import Notifier, Outbox, WebhookSink
from patrol.service import outbox_figures
from tests.api.support import SETTINGS, make_app
from tests.conftest import REPO
from tests.patrol.support import often_looked_at, patrol_of

PASSWORD = "Planted-Metrics-Secret-5e2"
METRICS_TOKEN = "metrics-token-of-this-test"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _looks_total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> float:
    return sum(value for (name, _), value in samples.items() if name == "patrol_looks_total")


def test_looks_counted_and_timed_as_a_running_patrol_makes_them(
    tmp_path: Path, detector, simulator_server
) -> None:  # type: ignore[no-untyped-def]
    port = simulator_server({"/s1/booth": "booth_staffed"}, PASSWORD)
    config = parse_config(often_looked_at(port), environ={"CAM_PW": PASSWORD})
    patrol, store = patrol_of(config, detector, tmp_path, PatrolMetrics())
    app = make_app(
        store, replace(SETTINGS, metrics_token=METRICS_TOKEN), patrol=patrol, metrics=patrol.metrics
    )
    scrape = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    patrol.start()
    try:
        with TestClient(app) as client:
            assert client.get("/metrics").status_code == 401

            def read_after(looks: float) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
                deadline = time.monotonic() + 60
                while True:
                    response = client.get("/metrics", headers=scrape)
                    assert response.status_code == 200
                    samples = _samples(response.text)
                    if _looks_total(samples) > looks or time.monotonic() > deadline:
                        return samples
                    time.sleep(0.5)

            first = read_after(0)
            second = read_after(_looks_total(first))
        patrol.stop()
        # A destination whose queue is full: what does not fit is dropped, and counted.
        notifier = Notifier([Outbox(WebhookSink("http://127.0.0.1:9/hook", retries=0), queue_size=1)])
        for _ in range(3):
            notifier("event", {"type": "guard_absent"})
        patrol.metrics.watch_outboxes(lambda: outbox_figures(notifier))
        # Stopped, every look is in every figure: the counter and histograms agree.
        final = _samples(patrol.metrics.exposition().decode())
    finally:
        patrol.stop()
        store.close()

    assert 0 < _looks_total(first) < _looks_total(second)
    ok_looks = [key for key in second if key[0] == "patrol_looks_total" and ("outcome", "ok") in key[1]]
    assert ok_looks, second.keys()
    # Each finished look is in the duration histogram of its kind; the detector's calls in theirs.
    durations = [value for (name, _), value in final.items() if name == "patrol_look_duration_seconds_count"]
    assert sum(durations) == _looks_total(final) >= _looks_total(second)
    infinite = [
        value
        for (name, labels), value in final.items()
        if name == "patrol_look_duration_seconds_bucket" and ("le", "+Inf") in labels
    ]
    assert sum(infinite) == _looks_total(final)
    bounds = {dict(labels)["le"] for name, labels in final if name == "patrol_look_duration_seconds_bucket"}
    assert bounds == {str(float(bound)) for bound in LOOK_BUCKETS_S} | {"+Inf"}
    assert final[("patrol_detector_latency_seconds_count", ())] > 0
    # The planner's and the store's figures come with the same scrape.
    assert second[("patrol_workers", ())] == 1
    assert ("patrol_random_looks_shed_total", (("how", "thinned"),)) in second
    assert ("patrol_planner_look_cost_seconds", (("outcome", "ok"), ("role", "booth"))) in second
    assert second[("patrol_cameras", (("state", "ok"),))] == 1
    assert second[("patrol_database_up", ())] == 1
    destination = ("destination", "webhook 127.0.0.1")
    assert final[("patrol_notify_messages_total", (destination, ("outcome", "dropped")))] == 2
    assert final[("patrol_notify_queue_depth", (destination,))] == 1
    # Every series the Grafana dashboard plots is one the patrol exposes.
    dashboard = json.loads((REPO / "docs" / "grafana-dashboard.json").read_text(encoding="utf-8"))
    plotted = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bpatrol_[a-z_]+", target["expr"])
    }
    assert plotted and plotted <= {name for name, _ in final}, plotted - {name for name, _ in final}
