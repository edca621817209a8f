"""Stream addresses as they may be shown: the password replaced, everything else kept."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

MASK = "***"


def redact_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if parts.password is None and "@" not in parts.netloc:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    netloc = f"{user}:{MASK}@{host}{port}" if user else f"{MASK}@{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def url_secrets(url: str) -> list[str]:
    """The parts of a URL that must never be logged: its password, raw and percent-decoded."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    raw = parts.netloc.rpartition("@")[0].partition(":")[2]
    return [s for s in {raw, parts.password or ""} if s]
