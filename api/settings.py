"""What the API needs to know that is not in the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Bounds of the limits, the same as the config's api section states.
_BOUNDS = (
    ("max_body_bytes", 1024, 1024**3),
    ("snapshots_per_user_per_minute", 1, 600),
    ("live_feeds_per_user", 1, 100),
    ("on_demand_cooldown_s", 0, 86400),
    ("report_max_findings", 1, 1_000_000),
)


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
    max_body_bytes: int = 1024 * 1024
    """Largest request body accepted; a larger one is refused with 413 before it is read."""
    docs: bool = False
    """Serve the interactive API docs at /docs (their page loads its script from a CDN)."""
    snapshots_per_user_per_minute: int = 10
    """"Look now" pictures one user may ask for in a minute."""
    live_feeds_per_user: int = 4
    """Live-feed connections one user may hold open at once."""
    on_demand_cooldown_s: float = 300.0
    """After an on-demand patrol of a school, the next one for that school waits this long."""
    report_max_findings: int = 5000
    """A report over more findings than this is refused before it is built."""

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
        for name, low, high in _BOUNDS:
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"{name} must be {low} to {high}, got {value}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
