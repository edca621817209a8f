"""Every secret the configuration holds, gathered in one place: what logs, API answers, stream
errors, events and documents mask (see `streams.redact.Secrets`)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, SecretStr

from patrol.config.schema import PatrolConfig
from streams.redact import Secrets, url_secrets

# A value the environment put into a secret field is masked wherever it appears, so a short
# one (a port, a channel number) would mask every such number in every log line. Passwords that
# short are still masked where a URL's shape gives them away.
MIN_BY_VALUE = 4


def config_secrets(config: PatrolConfig) -> Secrets:
    held = list(_secret_fields(config))
    # A URL's secret is its password parts; any other secret field is secret whole.
    found = [s for value in held for s in (url_secrets(value) if "://" in value else [value])]
    # A ${VAR} filled into a secret field, wherever it sits there: a password in a stream's path
    # (`/user=admin&password=${CAM_PW}`) has no shape a pattern can know for every camera brand.
    found += [
        value
        for value in config.environment_values
        if len(value) >= MIN_BY_VALUE and any(value in secret for secret in held)
    ]
    return Secrets.of(found)


def _secret_fields(node: object) -> Iterator[str]:
    if isinstance(node, SecretStr):
        yield node.get_secret_value()
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _secret_fields(getattr(node, name))
    elif isinstance(node, dict):
        for item in node.values():
            yield from _secret_fields(item)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _secret_fields(item)
