"""Credentials are masked by their shape (in a URL's user info, or as password-like parameters
in its path or query) and, for the configuration's secrets, by value wherever they appear."""

from __future__ import annotations

import pytest

from streams.redact import NO_SECRETS, Secrets, redact_url, url_secrets
from streams.rtsp import RtspSource


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rtsp://admin:pw@10.0.0.1:554/a", "rtsp://admin:***@10.0.0.1:554/a"),
        (
            "rtsp://10.0.0.1/user=admin&password=S3cret&channel=1&stream=0.sdp",
            "rtsp://10.0.0.1/user=admin&password=***&channel=1&stream=0.sdp",
        ),
        ("rtsp://10.0.0.1:554/live?pwd=S3cret", "rtsp://10.0.0.1:554/live?pwd=***"),
        ("http://h/snap.cgi?user=a&passwd=x%26y&chn=1", "http://h/snap.cgi?user=a&passwd=***&chn=1"),
        ("rtsp://h/cam?PASS=x;channel=2", "rtsp://h/cam?PASS=***;channel=2"),
        ("rtsp://h/cam?user_pass=x", "rtsp://h/cam?user_pass=***"),
        ("rtsp://a:b@h/cam?password=c", "rtsp://a:***@h/cam?password=***"),
        ("failed: rtsp://h/x?pwd=abc timed out", "failed: rtsp://h/x?pwd=*** timed out"),
        ("rtsp://h/live?password=", "rtsp://h/live?password="),
        ("rtsp://h/live?channel=1&passenger=2", "rtsp://h/live?channel=1&passenger=2"),
        ("rtsp://admin@host:554/a", "rtsp://admin@host:554/a"),
        ("plain text, 3 looks", "plain text, 3 looks"),
    ],
)
def test_credentials_are_masked_by_their_shape(text: str, expected: str) -> None:
    assert NO_SECRETS.mask(text) == expected


def test_a_stream_address_keeps_everything_but_its_passwords() -> None:
    assert redact_url("rtsp://admin:p@ss@10.0.0.1:554/user=admin&password=x&channel=1") == (
        "rtsp://admin:***@10.0.0.1:554/user=admin&password=***&channel=1"
    )
    assert set(url_secrets("rtsp://a:b%40c@h/x?pwd=d%26e&user=f")) == {"b%40c", "b@c", "d%26e", "d&e"}


def test_known_secrets_are_masked_by_value_anywhere_and_longest_first() -> None:
    secrets = Secrets.of(["tok/en 1", "tok", ""])
    assert (
        secrets.mask("path /live/tok/en 1/x and tok%2Fen%201 and tok") == "path /live/***/x and *** and ***"
    )
    assert secrets.mask_in({"a": ["tok", 3], "tok": ("x?pwd=1",)}) == {"a": ["***", 3], "***": ["x?pwd=***"]}
    assert (Secrets.of(["abcd"]) | Secrets.of(["wxyz"])).mask("abcd wxyz") == "*** ***"
    assert "tok" not in repr(secrets)
    assert "Pw-9" not in repr(RtspSource("rtsp://h/x?pwd=Pw-9", secrets=Secrets.of(["Pw-9"])))
