"""Changes reach a real MQTT broker in order, without secrets; webhooks are retried."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from patrol.hazards import EscalationLevel, HazardRegister, HazardState
from patrol.notify import MqttSink, Notifier, Outbox, WebhookSink
from patrol.store import Store
from patrol.types import EventStatus, EventType
from tests.api.support import PLANTED_PASSWORD, T0, finding, site_config, site_records
from tests.conftest import _missing

BROKER = ("127.0.0.1", 1883)


@pytest.fixture
def subscriber() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    import paho.mqtt.client as mqtt

    prefix = f"test-{uuid.uuid4().hex[:10]}"
    received: list[tuple[str, bytes]] = []
    ready = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.on_connect = lambda c, *_: c.subscribe(f"{prefix}/#", qos=1)
    client.on_subscribe = lambda *_: ready.set()
    client.on_message = lambda _c, _u, message: received.append((message.topic, message.payload))
    try:
        client.connect(*BROKER)
    except OSError as exc:
        _missing(f"no MQTT broker at {BROKER}: {exc}")
    client.loop_start()
    assert ready.wait(5)
    yield prefix, received
    client.disconnect()
    client.loop_stop()


def test_event_and_hazard_changes_reach_the_broker_in_order_without_secrets(
    store: Store, subscriber: tuple[str, list[tuple[str, bytes]]]
) -> None:
    prefix, received = subscriber
    notifier = Notifier([Outbox(MqttSink(*BROKER), 100)], prefix)
    notifier.start()
    store.add_listener(notifier)
    store.sync_sites(*site_records(site_config()))
    event = store.record_finding(finding("north-gate", EventType("loitering"), T0, 80))
    store.record_finding(finding("north-gate", EventType("loitering"), T0 + timedelta(minutes=1), 80))
    store.decide(event.id, EventStatus.CONFIRMED, "", T0 + timedelta(minutes=2))
    register = HazardRegister(store)
    hazard = register.create(
        event.id,
        level=EscalationLevel.NOTICE,
        deadline=T0 + timedelta(days=3),
        owner="x",
        by="boss",
        now=T0 + timedelta(minutes=3),
    )
    register.advance(hazard.id, HazardState.RECTIFYING, by="boss", now=T0 + timedelta(minutes=4))
    store.end_condition("north-gate", EventType("loitering"), T0 + timedelta(minutes=5))
    deadline = time.monotonic() + 10
    while len(received) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    notifier.stop()
    assert [topic for topic, _ in received] == [
        f"{prefix}/events/loitering",
        f"{prefix}/events/loitering",
        f"{prefix}/hazards/notified",
        f"{prefix}/hazards/rectifying",
        f"{prefix}/events/loitering",
    ]
    payloads = [json.loads(body) for _, body in received]
    assert [p.get("change") or p.get("action") for p in payloads] == [
        "new",
        "decided",
        "create",
        "advance",
        "ended",
    ]
    assert payloads[0]["camera_id"] == "north-gate" and payloads[2]["hazard_id"] == hazard.id
    for _, body in received:
        assert PLANTED_PASSWORD.encode() not in body and b"rtsp" not in body
    assert notifier.figures()["mqtt"]["dropped"] == 0


def test_a_webhook_is_retried_with_backoff_until_it_answers() -> None:
    calls: list[tuple[str, bytes]] = []

    class Flaky(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            calls.append((self.headers.get("X-Secret", ""), body))
            self.send_response(503 if len(calls) < 3 else 204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sink = WebhookSink(
        f"http://127.0.0.1:{server.server_port}/hook",
        headers={"X-Secret": "s3"},
        retries=3,
        backoff_s=0.05,
        timeout_s=2,
    )
    outbox = Outbox(sink, 10)
    notifier = Notifier([outbox], "p")
    notifier.start()
    notifier("event", {"event_id": 1, "type": "loitering", "change": "new"})
    deadline = time.monotonic() + 5
    while outbox.figures()["sent"] < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    notifier.stop()
    server.shutdown()
    assert len(calls) == 3 and all(secret == "s3" for secret, _ in calls)
    assert json.loads(calls[-1][1])["event_id"] == 1
    assert outbox.figures() == {"sent": 1, "failed": 0, "dropped": 0, "queued": 0}


def test_a_full_queue_drops_and_counts_instead_of_blocking() -> None:
    outbox = Outbox(WebhookSink("http://127.0.0.1:9/never", retries=0, timeout_s=0.2), 2)  # not started
    notifier = Notifier([outbox], "p")
    started = time.monotonic()
    for n in range(5):
        notifier("event", {"event_id": n, "type": "loitering"})
    assert time.monotonic() - started < 0.5
    assert outbox.figures()["dropped"] == 3
