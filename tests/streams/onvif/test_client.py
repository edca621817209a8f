"""The ONVIF client against the simulator's devices: real SOAP over loopback, real RTSP behind it."""

from __future__ import annotations

import base64
import hashlib
import os
import time
from datetime import UTC, datetime

import av
import cv2
import httpx
import numpy as np
import pytest

from streams.onvif import (
    MediaProfile,
    OnvifAddress,
    OnvifAuthRefused,
    OnvifClient,
    OnvifError,
    OnvifUnreachable,
    StreamChoice,
    choose_profile,
)
from tests.conftest import free_port

PASSWORD = "Onvif:S3cret@pw/7"  # characters a URL would have to escape
PATHS = {"/s1/booth": "booth_staffed", "/s1/gate": "gate_walk_in"}


@pytest.fixture(scope="module")
def client() -> OnvifClient:
    return OnvifClient(timeout_s=3.0)


def test_a_probe_lists_each_simulated_camera_with_its_main_and_sub_stream(onvif_simulator, client) -> None:  # type: ignore[no-untyped-def]
    simulator = onvif_simulator(PATHS, PASSWORD)
    addresses = {path: OnvifAddress.parse(simulator.onvif_address(path)) for path in PATHS}
    assert len({address.port for address in addresses.values()}) == 2, "one device, one port, per camera"

    device = client.probe(addresses["/s1/gate"], "patrol", PASSWORD)

    assert device.information.serial == "/s1/gate"
    assert [(p.token, p.encoding, p.resolution, p.fps) for p in device.profiles] == [
        ("main", "H264", "640x360", 10.0),
        ("sub", "H264", "320x180", 10.0),
    ]
    main, sub = device.profiles
    assert main.stream_uri == f"rtsp://127.0.0.1:{simulator.port}/s1/gate"
    assert sub.stream_uri == f"rtsp://127.0.0.1:{simulator.port}/s1/gate/sub"
    assert choose_profile(device.profiles, StreamChoice.SUB) == sub

    # The snapshot address serves the camera's picture now, behind the same credentials.
    assert main.snapshot_uri is not None
    assert httpx.get(main.snapshot_uri, timeout=5).status_code == 401
    answer = httpx.get(main.snapshot_uri, auth=("patrol", PASSWORD), timeout=5)
    assert answer.headers["content-type"] == "image/jpeg"
    picture = cv2.imdecode(np.frombuffer(answer.content, np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape == (360, 640, 3)

    # Each stream address is a real stream of that size (the password goes in the URL).
    for profile, width in ((main, 640), (sub, 320)):
        assert profile.stream_uri is not None
        with_password = profile.stream_uri.replace("rtsp://", f"rtsp://patrol:{_quoted(PASSWORD)}@")
        with av.open(with_password, options={"rtsp_transport": "tcp"}, timeout=(5, 5)) as container:
            frame = next(container.decode(video=0))
        assert frame.width == width


def test_a_wrong_password_gets_not_authorized_and_the_error_never_shows_a_password(  # type: ignore[no-untyped-def]
    onvif_simulator, client
) -> None:
    simulator = onvif_simulator({"/s1/booth": "booth_staffed"}, PASSWORD)
    address = OnvifAddress.parse(simulator.onvif_address("/s1/booth"))
    wrong = "Wrong-Pa55word-3e1"

    with pytest.raises(OnvifAuthRefused) as refused:
        client.probe(address, "patrol", wrong)
    assert "refused user 'patrol'" in str(refused.value)
    assert wrong not in str(refused.value) and PASSWORD not in str(refused.value)

    # On the wire: the date needs no credentials; anything else with a wrong digest is NotAuthorized.
    url = f"http://{address}/onvif/device_service"
    dated = httpx.post(url, content=_envelope("<tds:GetSystemDateAndTime/>"), headers=_SOAP, timeout=5)
    assert dated.status_code == 200 and b"UTCDateTime" in dated.content
    for token in ("", _token("patrol", wrong), _token("patrol", PASSWORD, created="2001-01-01T00:00:00Z")):
        refused_answer = httpx.post(
            url, content=_envelope("<tds:GetDeviceInformation/>", token), headers=_SOAP, timeout=5
        )
        assert refused_answer.status_code == 400
        assert b"ter:NotAuthorized" in refused_answer.content
    accepted = httpx.post(
        url,
        content=_envelope("<tds:GetDeviceInformation/>", _token("patrol", PASSWORD)),
        headers=_SOAP,
        timeout=5,
    )
    assert accepted.status_code == 200 and b"<tds:SerialNumber>/s1/booth<" in accepted.content


def test_a_device_that_is_not_there_or_never_answers_is_unreachable_within_the_timeout(
    silent_camera_port: int,
) -> None:
    client = OnvifClient(timeout_s=1.0)
    for port in (free_port(), silent_camera_port):
        started = time.monotonic()
        with pytest.raises(OnvifUnreachable):
            client.probe(OnvifAddress("127.0.0.1", port), "patrol", PASSWORD)
        assert time.monotonic() - started < 3.0


def _profile(
    token: str, size: tuple[int, int] | None, encoding: str | None = "H264", uri: bool = True
) -> MediaProfile:
    width, height = size or (None, None)
    return MediaProfile(
        token, token, encoding, width, height, 25.0, f"rtsp://h/{token}" if uri else None, None
    )


MAIN_1080 = _profile("main", (1920, 1080))
SUB_D1 = _profile("sub", (704, 576))
THIRD_CIF = _profile("third", (352, 288))
MJPEG = _profile("mjpeg", (640, 480), encoding="JPEG")


@pytest.mark.parametrize(
    ("profiles", "choice", "expected"),
    [
        ([MAIN_1080, SUB_D1, THIRD_CIF], StreamChoice.MAIN, "main"),
        ([MAIN_1080, SUB_D1, THIRD_CIF], StreamChoice.SUB, "sub"),  # the second size, not the smallest
        ([THIRD_CIF, SUB_D1, MAIN_1080], StreamChoice.SUB, "sub"),  # by size, whatever the order
        ([MAIN_1080], StreamChoice.SUB, "main"),  # one stream only
        ([MAIN_1080, MJPEG], StreamChoice.SUB, "main"),  # H.264/H.265 first
        ([MJPEG], StreamChoice.SUB, "mjpeg"),  # JPEG when that is all there is
        ([_profile("a", None), MAIN_1080], StreamChoice.SUB, "main"),  # a size not said: not taken
        ([_profile("a", None)], StreamChoice.SUB, "a"),  # unless no profile says one
        ([_profile("x", (1920, 1080), uri=False), SUB_D1], StreamChoice.MAIN, "sub"),  # no address
    ],
)
def test_which_profile_is_the_main_and_which_the_sub_stream(
    profiles: list[MediaProfile], choice: StreamChoice, expected: str
) -> None:
    assert choose_profile(profiles, choice).token == expected


def test_no_profile_with_a_stream_is_an_error() -> None:
    with pytest.raises(OnvifError, match="no profile with a stream address"):
        choose_profile([_profile("x", (640, 360), uri=False)], StreamChoice.SUB)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.20.1.11", OnvifAddress("10.20.1.11", 80)),
        ("10.20.1.11:8899", OnvifAddress("10.20.1.11", 8899)),
        ("cam-7.school.local:8080", OnvifAddress("cam-7.school.local", 8080)),
        ("[fe80::1]:80", OnvifAddress("[fe80::1]", 80)),
        ("http://10.20.1.11", None),
        ("10.20.1.11:99999", None),
        ("10.20.1.11/onvif", None),
        ("admin:pw@10.20.1.11", None),
    ],
)
def test_an_onvif_address_is_host_and_port(text: str, expected: OnvifAddress | None) -> None:
    if expected is None:
        with pytest.raises(ValueError):
            OnvifAddress.parse(text)
    else:
        assert OnvifAddress.parse(text) == expected


_SOAP = {"Content-Type": "application/soap+xml; charset=utf-8"}


def _envelope(body: str, header: str = "") -> bytes:
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:tds="http://www.onvif.org/ver10/device/wsdl">'
        f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def _token(username: str, password: str, created: str | None = None) -> str:
    nonce = os.urandom(16)
    created = created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()
    wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
    digest_type = (
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
    )
    return (
        f'<wsse:Security xmlns:wsse="{wsse}" xmlns:wsu="{wsu}"><wsse:UsernameToken>'
        f"<wsse:Username>{username}</wsse:Username>"
        f'<wsse:Password Type="{digest_type}">{digest}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
