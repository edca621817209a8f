from __future__ import annotations

import pytest

from api import ApiSettings


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown timezone 'Mars/Olympus'"),
        ({"timezone": ""}, "unknown timezone ''"),
        ({"timezone": "../etc/passwd"}, "unknown timezone"),
        ({"dashboard_refresh_s": 0}, "dashboard_refresh_s must be 1 to 3600"),
        ({"dashboard_refresh_s": 86400}, "dashboard_refresh_s must be 1 to 3600"),
        ({"max_body_bytes": 10}, "max_body_bytes must be 1024 to"),
        ({"live_feeds_per_user": 0}, "live_feeds_per_user must be 1 to 100"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ApiSettings(**kwargs)  # type: ignore[arg-type]


def test_defaults() -> None:
    settings = ApiSettings()
    assert settings.timezone == "Asia/Shanghai"
    assert settings.zone.key == "Asia/Shanghai"
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.docs is False
