"""What the API needs to know that is not in the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class ApiSettings:
    title: str = "School Patrol"
    timezone: str = "Asia/Shanghai"
    """IANA zone the dashboard shows times in; the JSON API always answers in UTC."""
    dashboard_refresh_s: float = 5.0
    """How often the dashboard re-reads the whole list, besides the live feed."""
    live_poll_s: float = 0.5
    """How often each live feed polls the database for new and changed events."""
    secure_cookies: bool = False
    """Mark cookies Secure; set when the dashboard is served over HTTPS."""
    metrics_token: str | None = field(default=None, repr=False)
    """The bearer token Prometheus sends for /metrics; None: /metrics is off."""

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {self.timezone!r}; expected an IANA name such as Asia/Shanghai"
            ) from None
        if not 1 <= self.dashboard_refresh_s <= 3600:
            raise ValueError(f"dashboard_refresh_s must be 1 to 3600 seconds, got {self.dashboard_refresh_s}")
        if not 0.05 <= self.live_poll_s <= 10:
            raise ValueError(f"live_poll_s must be 0.05 to 10 seconds, got {self.live_poll_s}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
