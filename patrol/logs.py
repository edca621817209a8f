"""Logging set-up. Every line passes through a redactor, so a secret that slips into a message
(an exception text that quotes a URL, say) is masked before it reaches any handler."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from patrol.config.schema import PatrolConfig
from streams.redact import MASK, url_secrets


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


def config_secrets(config: PatrolConfig) -> list[str]:
    found = [s for camera in config.cameras for s in url_secrets(camera.stream.get_secret_value())]
    if config.database_url is not None:
        found += url_secrets(config.database_url.get_secret_value())
    if config.simulator is not None:
        found.append(config.simulator.password.get_secret_value())
    if config.api.metrics_token is not None:
        found.append(config.api.metrics_token.get_secret_value())
    return found


def configure_logging(secrets: Iterable[str] = (), level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Request lines of the API and library chatter stay at warning level.
    # Alembic says which steps it ran; patrol.store.schema logs that itself, in one line.
    for noisy in ("uvicorn.access", "ultralytics", "zeep", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
