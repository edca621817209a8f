from __future__ import annotations

import pytest

from api.redaction import mask_passwords, mask_passwords_in


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
def test_mask_passwords(text: str, expected: str) -> None:
    assert mask_passwords(text) == expected


def test_mask_passwords_in_nested_values() -> None:
    value = {"tries": ["rtsp://a:b@h/1", 3, None], "rtsp://c:d@h/": {"deep": ("rtsp://e:f@h/",)}}
    assert mask_passwords_in(value) == {
        "tries": ["rtsp://a:***@h/1", 3, None],
        "rtsp://c:***@h/": {"deep": ["rtsp://e:***@h/"]},
    }
