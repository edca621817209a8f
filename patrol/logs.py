"""Logging set-up. Every line passes through a redactor, so a secret that slips into a message
(an exception text that quotes a URL, say) is masked before it reaches any handler."""

from __future__ import annotations

import logging

from streams.redact import NO_SECRETS, Secrets


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: Secrets) -> None:
        super().__init__(fmt)
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return self.secrets.mask(super().format(record))


def configure_logging(secrets: Secrets = NO_SECRETS, level: int = logging.INFO) -> None:
    """`secrets` (from `patrol.config.config_secrets`) are masked by value; credentials by their
    shape (`user:password@`, `password=`) are masked in every line either way."""
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


def update_masking(secrets: Secrets) -> None:
    """Mask `secrets` from now on in the lines of the handlers `configure_logging` set up (the
    running patrol learns the passwords of cameras imported while it runs)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler.formatter, RedactingFormatter):
            handler.formatter.secrets = secrets
