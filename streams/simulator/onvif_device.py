"""A simulated camera's ONVIF device: the device and media services and JPEG snapshots, on its
own HTTP port.

One device per port, as real cameras are one device per address: a client reaches the device
service at the fixed `/onvif/device_service` of `host:port`, so the port is what tells the
simulated cameras apart. Each device offers a main and a sub profile, both real streams.

Operations: GetSystemDateAndTime (no authentication, as ONVIF requires), GetCapabilities,
GetDeviceInformation, GetProfiles, GetStreamUri and GetSnapshotUri, each behind a
WS-UsernameToken digest; a wrong password gets the fault ter:NotAuthorized. Snapshots are
served at `/onvif/snapshot/<profile>.jpg` behind HTTP Basic authentication.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape, quoteattr

from streams.simulator.onvif_soap import (
    NAMESPACES,
    SoapFault,
    SoapRequest,
    check_token,
    envelope,
    fault,
    parse_request,
    utc_now,
)

log = logging.getLogger(__name__)

DEVICE_PATH = "/onvif/device_service"
MEDIA_PATH = "/onvif/media_service"
SNAPSHOT_PREFIX = "/onvif/snapshot/"
MAX_REQUEST_BYTES = 64 * 1024
_SOAP_CONTENT_TYPE = "application/soap+xml; charset=utf-8"


@dataclass(frozen=True)
class DeviceProfile:
    """One media profile: an H.264 stream at a resolution, and a way to take its picture now."""

    token: str
    width: int
    height: int
    fps: int
    stream_uri: str
    snapshot: Callable[[], bytes]  # a JPEG of the picture at this moment


class OnvifDevice:
    """Serves one simulated camera's ONVIF services on `host:port` (port 0: any free one)."""

    def __init__(
        self,
        *,
        serial: str,
        profiles: Sequence[DeviceProfile],
        username: str,
        password: str,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not profiles:
            raise ValueError("an ONVIF device needs at least one profile")
        self.serial = serial
        self.profiles = {profile.token: profile for profile in profiles}
        self._username = username
        self._password = password
        self._server = _Server((host, port), _Handler, self)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout_s)
            self._thread = None
        self._server.server_close()

    # Answers ------------------------------------------------------------------------------

    def answer(self, request: SoapRequest) -> str:
        operation = (request.namespace, request.operation)
        if operation != (NAMESPACES["tds"], "GetSystemDateAndTime"):
            check_token(request.token, self._username, self._password, utc_now())
        handler = _OPERATIONS.get(operation)
        if handler is None:
            raise SoapFault("Receiver", "ter:ActionNotSupported", f"{request.operation} is not supported")
        return handler(self, request)

    def authorizes_basic(self, header: str | None) -> bool:
        scheme, _, encoded = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(username.encode(), self._username.encode()) & hmac.compare_digest(
            password.encode(), self._password.encode()
        )

    def _profile(self, request: SoapRequest) -> DeviceProfile:
        token = request.text("trt:ProfileToken")
        profile = self.profiles.get(token or "")
        if profile is None:
            raise SoapFault("Sender", "ter:InvalidArgVal", "no profile with this token")
        return profile

    def _date_and_time(self, _request: SoapRequest) -> str:
        now = utc_now()
        return (
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
            "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
            "<tt:UTCDateTime>"
            f"<tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>{now.minute}</tt:Minute>"
            f"<tt:Second>{now.second}</tt:Second></tt:Time>"
            f"<tt:Date><tt:Year>{now.year}</tt:Year><tt:Month>{now.month}</tt:Month>"
            f"<tt:Day>{now.day}</tt:Day></tt:Date>"
            "</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        )

    def _capabilities(self, _request: SoapRequest) -> str:
        return (
            "<tds:GetCapabilitiesResponse><tds:Capabilities>"
            f"<tt:Device><tt:XAddr>{self.base_url}{DEVICE_PATH}</tt:XAddr></tt:Device>"
            f"<tt:Media><tt:XAddr>{self.base_url}{MEDIA_PATH}</tt:XAddr>"
            "<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>"
            "<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>"
            "</tt:StreamingCapabilities></tt:Media>"
            "</tds:Capabilities></tds:GetCapabilitiesResponse>"
        )

    def _information(self, _request: SoapRequest) -> str:
        return (
            "<tds:GetDeviceInformationResponse>"
            "<tds:Manufacturer>School Patrol</tds:Manufacturer><tds:Model>Simulated camera</tds:Model>"
            "<tds:FirmwareVersion>1.0</tds:FirmwareVersion>"
            f"<tds:SerialNumber>{escape(self.serial)}</tds:SerialNumber>"
            "<tds:HardwareId>simulator</tds:HardwareId></tds:GetDeviceInformationResponse>"
        )

    def _profiles(self, _request: SoapRequest) -> str:
        return (
            "<trt:GetProfilesResponse>"
            + "".join(_profile_xml(profile) for profile in self.profiles.values())
            + "</trt:GetProfilesResponse>"
        )

    def _stream_uri(self, request: SoapRequest) -> str:
        protocol = request.text("trt:StreamSetup/tt:Transport/tt:Protocol")
        if protocol not in (None, "RTSP", "TCP"):
            raise SoapFault("Sender", "ter:InvalidArgVal", "only RTSP streams are offered")
        return f"<trt:GetStreamUriResponse>{_media_uri(self._profile(request).stream_uri)}</trt:GetStreamUriResponse>"

    def _snapshot_uri(self, request: SoapRequest) -> str:
        uri = f"{self.base_url}{SNAPSHOT_PREFIX}{self._profile(request).token}.jpg"
        return f"<trt:GetSnapshotUriResponse>{_media_uri(uri)}</trt:GetSnapshotUriResponse>"


def _profile_xml(profile: DeviceProfile) -> str:
    token = quoteattr(profile.token)
    return (
        f'<trt:Profiles token={token} fixed="true"><tt:Name>{escape(profile.token)}</tt:Name>'
        '<tt:VideoSourceConfiguration token="source"><tt:Name>source</tt:Name><tt:UseCount>2</tt:UseCount>'
        f'<tt:SourceToken>source</tt:SourceToken><tt:Bounds x="0" y="0" width="{profile.width}" '
        f'height="{profile.height}"/></tt:VideoSourceConfiguration>'
        f"<tt:VideoEncoderConfiguration token={token}><tt:Name>{escape(profile.token)}</tt:Name>"
        "<tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>"
        f"<tt:Resolution><tt:Width>{profile.width}</tt:Width><tt:Height>{profile.height}</tt:Height>"
        "</tt:Resolution><tt:Quality>5</tt:Quality>"
        f"<tt:RateControl><tt:FrameRateLimit>{profile.fps}</tt:FrameRateLimit>"
        "<tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>1024</tt:BitrateLimit></tt:RateControl>"
        "<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration></trt:Profiles>"
    )


def _media_uri(uri: str) -> str:
    return (
        f"<trt:MediaUri><tt:Uri>{escape(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
        "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri>"
    )


_OPERATIONS: dict[tuple[str, str], Callable[[OnvifDevice, SoapRequest], str]] = {
    (NAMESPACES["tds"], "GetSystemDateAndTime"): OnvifDevice._date_and_time,
    (NAMESPACES["tds"], "GetCapabilities"): OnvifDevice._capabilities,
    (NAMESPACES["tds"], "GetDeviceInformation"): OnvifDevice._information,
    (NAMESPACES["trt"], "GetProfiles"): OnvifDevice._profiles,
    (NAMESPACES["trt"], "GetStreamUri"): OnvifDevice._stream_uri,
    (NAMESPACES["trt"], "GetSnapshotUri"): OnvifDevice._snapshot_uri,
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], device: OnvifDevice):
        super().__init__(address, handler)
        self.device = device


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a client that stops sending mid-request does not hold a thread for ever

    def do_POST(self) -> None:
        if self.path not in (DEVICE_PATH, MEDIA_PATH):
            self._send(HTTPStatus.NOT_FOUND, b"", "text/plain")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._send(HTTPStatus.LENGTH_REQUIRED, b"", "text/plain")
            return
        if not 0 < length <= MAX_REQUEST_BYTES:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"", "text/plain")
            return
        try:
            body = envelope(self.server.device.answer(parse_request(self.rfile.read(length))))
        except SoapFault as error:
            status = HTTPStatus.BAD_REQUEST if error.code == "Sender" else HTTPStatus.INTERNAL_SERVER_ERROR
            self._send(status, fault(error), _SOAP_CONTENT_TYPE)
            return
        self._send(HTTPStatus.OK, body, _SOAP_CONTENT_TYPE)

    def do_GET(self) -> None:
        token = self.path.removeprefix(SNAPSHOT_PREFIX).removesuffix(".jpg")
        profile = self.server.device.profiles.get(token) if self.path.startswith(SNAPSHOT_PREFIX) else None
        if profile is None:
            self._send(HTTPStatus.NOT_FOUND, b"", "text/plain")
        elif not self.server.device.authorizes_basic(self.headers.get("Authorization")):
            self.send_response(HTTPStatus.UNAUTHORIZED)
            self.send_header("WWW-Authenticate", 'Basic realm="simulated camera"')
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(HTTPStatus.OK, profile.snapshot(), "image/jpeg")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("onvif %s: " + format, self.server.device.serial, *args)
