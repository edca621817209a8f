"""Telling other systems what changed: MQTT topics and webhooks, never in the caller's way."""

from patrol.notify.publisher import MqttSink, Notifier, Outbox, WebhookSink, topic_for

__all__ = ["MqttSink", "Notifier", "Outbox", "WebhookSink", "topic_for"]
