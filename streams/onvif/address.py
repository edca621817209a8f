"""An ONVIF device's address as operators write it: `host` or `host:port` (port 80 by default)."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_PORT = 80
# A host name or IPv4 address, or an IPv6 address in brackets; then an optional port.
_ADDRESS = re.compile(
    r"^(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::(?P<port>\d{1,5}))?$"
)


@dataclass(frozen=True)
class OnvifAddress:
    host: str
    port: int = DEFAULT_PORT

    @classmethod
    def parse(cls, text: str) -> OnvifAddress:
        """ValueError, saying what was expected, for anything but `host[:port]`."""
        match = _ADDRESS.match(text.strip())
        if match is None:
            raise ValueError("expected host or host:port (no scheme, no path)")
        port = int(match.group("port") or DEFAULT_PORT)
        if not 1 <= port <= 65535:
            raise ValueError(f"port {port} is outside 1 to 65535")
        return cls(match.group("host"), port)

    @property
    def device_service(self) -> str:
        return f"http://{self.host}:{self.port}/onvif/device_service"

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"
