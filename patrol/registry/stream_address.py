"""An imported camera's RTSP address: what a sheet may write in it, and the address the patrol opens.

The sheet (and so the database) never holds a password: the address may carry `${VAR}`
placeholders, and the password comes from the environment variable named in `credentials`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from patrol.config.load import FilledText, fill_placeholders
from streams.redact import url_secrets

MAX_LENGTH = 500  # the database column's
SCHEMES = ("rtsp", "rtsps")
_WHOLE_PLACEHOLDER = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
INLINE_PASSWORD = (
    "a password is written in the address: put it in an environment variable and name the "
    "variable in the credentials column (or write ${VARIABLE} in its place)"
)


@dataclass(frozen=True)
class CheckedAddress:
    username: str | None  # the user name the address carries, if any (decoded)
    has_password: bool  # a ${VAR} placeholder where the password goes


def check_address(address: str, environ: Mapping[str, str]) -> CheckedAddress:
    """ValueError with the reason (never the address itself) for an address the patrol cannot use."""
    if len(address) > MAX_LENGTH:
        raise ValueError(f"longer than {MAX_LENGTH} characters")
    if any(character.isspace() for character in address):
        raise ValueError("an address has no spaces")
    # Any password-like part must be a ${VAR} placeholder as a whole, with no default: a
    # default is a password written in the sheet after all.
    if any(not _WHOLE_PLACEHOLDER.match(secret) for secret in url_secrets(address)):
        raise ValueError(INLINE_PASSWORD)
    try:
        parts = urlsplit(address)
    except ValueError:
        raise ValueError("not a URL") from None
    if parts.scheme.lower() not in SCHEMES:
        raise ValueError("expected an rtsp:// address")
    if not parts.netloc.rpartition("@")[2]:
        raise ValueError("the address names no host")
    missing = fill_placeholders(address, environ).missing
    if missing:
        raise ValueError(f"environment variable {missing[0]} is not set")
    userinfo, _, _ = parts.netloc.rpartition("@")
    username, colon, _ = userinfo.partition(":")
    return CheckedAddress(unquote(username) or None, bool(colon))


def without_userinfo(address: str) -> str:
    """The address with any user name and password taken out (as an ONVIF device may hand it)."""
    parts = urlsplit(address)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class OpenedAddress:
    url: str  # with the password: for the stream source only
    secrets: tuple[str, ...]  # what came from the environment, for masking


def patrol_address(
    address: str, username: str | None, credentials: str | None, environ: Mapping[str, str]
) -> OpenedAddress:
    """The address the patrol opens: placeholders filled, and the user name and the password
    from `credentials` put in. KeyError names a variable that is not set."""
    filled: FilledText = fill_placeholders(address, environ)
    if filled.missing:
        raise KeyError(filled.missing[0])
    secrets = list(filled.values)
    if username is None and credentials is None:
        return OpenedAddress(filled.text, tuple(secrets))
    parts = urlsplit(filled.text)
    host = parts.netloc.rpartition("@")[2]
    userinfo = quote(username or "", safe="")
    if credentials is not None:
        if credentials not in environ:
            raise KeyError(credentials)
        password = environ[credentials]
        secrets.append(password)
        userinfo += ":" + quote(password, safe="")
    url = urlunsplit((parts.scheme, f"{userinfo}@{host}", parts.path, parts.query, parts.fragment))
    return OpenedAddress(url, tuple(secrets))
