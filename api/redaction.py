"""A last guard against credentials leaving through the API.

The store should only ever hold redacted stream addresses, and rules should never put one with
a password in an event; this masks any that slipped through anyway: the secrets of the
configuration by value (`create_app(..., secrets=)`, reached through `deps.SecretsDep`), and
credentials by their shape.
"""

from __future__ import annotations

from typing import Any

from streams.redact import NO_SECRETS


def mask_passwords(text: str) -> str:
    """Credentials by their shape only, where no request (and so no app's secrets) is at hand."""
    return NO_SECRETS.mask(text)


def mask_passwords_in(value: Any) -> Any:
    """`mask_passwords` applied to every string in a JSON-like value."""
    return NO_SECRETS.mask_in(value)
