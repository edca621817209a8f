"""A last guard against credentials leaving through the API.

The store should only ever hold redacted stream addresses, and rules should never put one
with a password in an event; this masks any that slipped through anyway.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"

# scheme://user:password@host -> scheme://user:***@host. The password runs to the last '@' of
# the address, so one holding a raw '@', ':' or '/' is masked whole; masking too much is safe.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):(?P<password>\S*)@")


def mask_passwords(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("password") == MASK:
            return match.group(0)
        return f"{match.group('head')}:{MASK}@"

    return _URL_PASSWORD.sub(replace, text)


def mask_passwords_in(value: Any) -> Any:
    """`mask_passwords` applied to every string in a JSON-like value."""
    if isinstance(value, str):
        return mask_passwords(value)
    if isinstance(value, dict):
        return {mask_passwords_in(key): mask_passwords_in(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_passwords_in(item) for item in value]
    return value
