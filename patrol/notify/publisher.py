"""A background publisher per destination: a bounded queue, counted drops, bounded retries.

The store announces each change after its commit (`Store.add_listener`), from wherever it came:
a patrol look, an officer's decision, a supervisor's hazard step. Announcing only puts the change
on each destination's queue, so a slow or dead broker never holds up a look or a request.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from patrol.config.schema import NotifyConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    topic: str
    payload: dict[str, Any]

    def body(self) -> bytes:
        return json.dumps(self.payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


class Sink(Protocol):
    name: str

    def send(self, message: Message, stop: threading.Event) -> None:
        """Deliver or raise; may retry, but must give up once `stop` is set."""
        ...

    def close(self) -> None: ...


def topic_for(prefix: str, kind: str, payload: dict[str, Any]) -> str:
    """`<prefix>/events/<type>` for events, `<prefix>/hazards/<state>` for hazards."""
    if kind == "hazard":
        return f"{prefix}/hazards/{payload['state']}"
    return f"{prefix}/events/{payload['type']}"


class Outbox:
    """One destination's queue and sending thread."""

    def __init__(self, sink: Sink, queue_size: int) -> None:
        self.sink = sink
        self._queue: queue.Queue[Message] = queue.Queue(queue_size)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"notify-{sink.name}", daemon=True)
        self._lock = threading.Lock()
        self.sent = 0
        self.failed = 0
        self.dropped = 0

    def start(self) -> None:
        self._thread.start()

    def offer(self, message: Message) -> None:
        try:
            self._queue.put_nowait(message)
        except queue.Full:
            with self._lock:
                self.dropped += 1

    def stop(self, timeout_s: float = 5.0) -> None:
        """Send what is queued for up to `timeout_s`, then give up on the rest."""
        self._queue.put(Message("", {}))  # wakes the thread; marks the end of what to send
        self._thread.join(timeout_s)
        self._stop.set()
        self._thread.join(timeout_s)
        self.sink.close()

    def figures(self) -> dict[str, int]:
        with self._lock:
            return {
                "sent": self.sent,
                "failed": self.failed,
                "dropped": self.dropped,
                "queued": self._queue.qsize(),
            }

    def _run(self) -> None:
        while not self._stop.is_set():
            message = self._queue.get()
            if not message.topic:
                return
            try:
                self.sink.send(message, self._stop)
                outcome = "sent"
            except Exception as exc:
                log.warning("%s: could not deliver %s: %s", self.sink.name, message.topic, type(exc).__name__)
                outcome = "failed"
            with self._lock:
                setattr(self, outcome, getattr(self, outcome) + 1)


class MqttSink:
    """paho-mqtt with its own network loop, which reconnects by itself; QoS 1, in order."""

    name = "mqtt"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        import paho.mqtt.client as mqtt

        self._timeout_s = timeout_s
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", clean_session=True)
        self._client.max_queued_messages_set(1000)
        self._client.reconnect_delay_set(1, 30)
        if username is not None:
            self._client.username_pw_set(username, password)
        self._client.connect_async(host, port, keepalive=30)
        self._client.loop_start()

    def send(self, message: Message, stop: threading.Event) -> None:
        info = self._client.publish(message.topic, message.body(), qos=1)
        info.wait_for_publish(self._timeout_s)
        if not info.is_published():
            raise TimeoutError(f"broker did not acknowledge within {self._timeout_s} s")

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


class WebhookSink:
    """POSTs each change as JSON; retries a refused or failed delivery with doubling waits."""

    def __init__(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        retries: int = 3,
        backoff_s: float = 1.0,
        timeout_s: float = 5.0,
    ) -> None:
        self.name = f"webhook {httpx.URL(url).host}"
        self._url = url
        self._retries = retries
        self._backoff_s = backoff_s
        self._client = httpx.Client(timeout=timeout_s, headers=headers or {}, follow_redirects=False)
        self.attempts = 0

    def send(self, message: Message, stop: threading.Event) -> None:
        wait_s = self._backoff_s
        for attempt in range(self._retries + 1):
            self.attempts += 1
            try:
                response = self._client.post(
                    self._url,
                    content=message.body(),
                    headers={"Content-Type": "application/json", "X-Patrol-Topic": message.topic},
                )
                if response.status_code < 300:
                    return
                problem: Exception = RuntimeError(f"HTTP {response.status_code}")
            except httpx.HTTPError as exc:
                problem = exc
            if attempt == self._retries or stop.wait(wait_s):
                raise problem
            wait_s *= 2

    def close(self) -> None:
        self._client.close()


class Notifier:
    """The store's change listener: fans each change out to every destination's outbox."""

    def __init__(self, outboxes: list[Outbox], topic_prefix: str = "school-patrol") -> None:
        self.outboxes = outboxes
        self._prefix = topic_prefix

    @classmethod
    def from_config(cls, config: NotifyConfig) -> Notifier:
        outboxes = []
        if config.mqtt.enabled:
            sink: Sink = MqttSink(
                config.mqtt.host,
                config.mqtt.port,
                username=config.mqtt.username,
                password=config.mqtt.password.get_secret_value() if config.mqtt.password else None,
                timeout_s=config.timeout_s,
            )
            outboxes.append(Outbox(sink, config.queue_size))
        for hook in config.webhooks:
            headers = {}
            if hook.secret_header and hook.secret:
                headers[hook.secret_header] = hook.secret.get_secret_value()
            webhook = WebhookSink(
                hook.url,
                headers=headers,
                retries=config.retries,
                backoff_s=config.backoff_s,
                timeout_s=config.timeout_s,
            )
            outboxes.append(Outbox(webhook, config.queue_size))
        return cls(outboxes, config.mqtt.topic_prefix)

    def start(self) -> None:
        for outbox in self.outboxes:
            outbox.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        for outbox in self.outboxes:
            outbox.stop(timeout_s)

    def __call__(self, kind: str, payload: dict[str, Any]) -> None:
        message = Message(topic_for(self._prefix, kind, payload), {"kind": kind, **payload})
        for outbox in self.outboxes:
            outbox.offer(message)

    def figures(self) -> dict[str, dict[str, int]]:
        return {outbox.sink.name: outbox.figures() for outbox in self.outboxes}
