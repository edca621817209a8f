"""Masking credentials wherever text may leave the process: logs, API answers, events, documents.

Two nets, both applied by `Secrets.mask`:
- the secrets the configuration holds, by value, wherever they appear (a password in a URL's
  path, in an error text, anywhere);
- credentials by their shape, whoever wrote them: `user:password@` in a URL, and password-like
  parameters (`password=`, `pwd=`, `passwd=`, `pass=`, as camera brands write them in a path or
  query).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

MASK = "***"

# scheme://user:password@host -> scheme://user:***@host. The password runs to the last '@' of
# the address, so one holding a raw '@', ':' or '/' is masked whole; masking too much is safe.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):(?P<password>\S*)@")
# password=, pwd=, passwd=, pass= and names ending so (user_pass=): the value runs to the next
# separator of a path or query.
_PASSWORD_PARAMETER = re.compile(
    r"(?P<key>[A-Za-z0-9_.-]*(?:password|passwd|pass|pwd))=(?P<value>[^&;#\s\"'<>]*)", re.IGNORECASE
)


def mask_credentials(text: str) -> str:
    """Credentials found by their shape; text with none comes back as it was."""

    def userinfo(match: re.Match[str]) -> str:
        if match.group("password") == MASK:
            return match.group(0)
        return f"{match.group('head')}:{MASK}@"

    def parameter(match: re.Match[str]) -> str:
        if not match.group("value"):
            return match.group(0)
        return f"{match.group('key')}={MASK}"

    return _PASSWORD_PARAMETER.sub(parameter, _URL_PASSWORD.sub(userinfo, text))


def redact_url(url: str) -> str:
    """A stream address as it may be shown: its password, wherever it sits, replaced."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if parts.password is None and "@" not in parts.netloc:
        return mask_credentials(url)
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    netloc = f"{user}:{MASK}@{host}{port}" if user else f"{MASK}@{host}{port}"
    return mask_credentials(urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")))


def url_secrets(url: str) -> list[str]:
    """The parts of a URL that must never be shown: its password and password-like parameters,
    raw and percent-decoded."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    password = parts.netloc.rpartition("@")[0].partition(":")[2]
    found = {password, unquote(password)}
    for match in _PASSWORD_PARAMETER.finditer(f"{parts.path}?{parts.query}"):
        found |= {match.group("value"), unquote(match.group("value"))}
    return [s for s in found if s]


@dataclass(frozen=True)
class Secrets:
    """The secrets one process knows, masked by value wherever they appear; credentials found by
    their shape are masked too, so `NO_SECRETS.mask` is the shape-only net."""

    values: frozenset[str] = field(default=frozenset(), repr=False)  # a repr must not show them
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        # Each secret also as it looks percent-encoded in a URL; longest first, so a secret that
        # contains another is masked whole.
        forms = {form for value in self.values if value for form in (value, quote(value, safe=""))}
        if forms:
            ordered = sorted(forms, key=len, reverse=True)
            object.__setattr__(self, "_pattern", re.compile("|".join(map(re.escape, ordered))))

    @classmethod
    def of(cls, values: Iterable[str]) -> Secrets:
        return cls(frozenset(v for v in values if v))

    def __or__(self, other: Secrets) -> Secrets:
        return Secrets(self.values | other.values)

    def mask(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        return mask_credentials(text)

    def mask_in(self, value: Any) -> Any:
        """`mask` applied to every string in a JSON-like value, keys included."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {self.mask_in(key): self.mask_in(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask_in(item) for item in value]
        return value


NO_SECRETS = Secrets()
