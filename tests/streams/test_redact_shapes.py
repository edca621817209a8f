"""Credentials masked by their shape alone, with no secret of the configuration known."""

from __future__ import annotations

import pytest

from streams.redact import NO_SECRETS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rtsp://admin:pw@10.0.0.1:554/a", "rtsp://admin:***@10.0.0.1:554/a"),
        ("rtsp://admin:p@ss:w/rd@10.0.0.1/x", "rtsp://admin:***@10.0.0.1/x"),
        ("rtsp://:pw@host/", "rtsp://:***@host/"),
        ("rtsp://admin:***@host/a", "rtsp://admin:***@host/a"),
        ("rtsp://admin@host:554/a", "rtsp://admin@host:554/a"),
        ("rtsp://10.0.0.1:554/a", "rtsp://10.0.0.1:554/a"),
        (
            "open rtsp://a:b@h/x failed; then http://u:v@h2",
            "open rtsp://a:***@h/x failed; then http://u:***@h2",
        ),
        ("no address here: user:pw@host", "no address here: user:pw@host"),
        ("", ""),
    ],
)
def test_credentials_in_addresses_are_masked(text: str, expected: str) -> None:
    assert NO_SECRETS.mask(text) == expected


def test_credentials_in_nested_values_are_masked() -> None:
    value = {"tries": ["rtsp://a:b@h/1", 3, None], "rtsp://c:d@h/": {"deep": ("rtsp://e:f@h/",)}}
    assert NO_SECRETS.mask_in(value) == {
        "tries": ["rtsp://a:***@h/1", 3, None],
        "rtsp://c:***@h/": {"deep": ["rtsp://e:***@h/"]},
    }
