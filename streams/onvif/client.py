"""Asking ONVIF devices for their media profiles and stream addresses, over onvif-zeep.

onvif-zeep's `ONVIFCamera` parses two WSDL files (about 0.2 s) for every camera it opens. This
client parses each service's WSDL once and shares it: a device then costs its SOAP calls alone
(a few milliseconds on a network), so resolving a county's cameras is quick. The calls still go
through onvif-zeep's `ONVIFService` and its WS-UsernameToken digest, which takes the device's
clock offset, read first with GetSystemDateAndTime (unauthenticated, as ONVIF allows).

Only unicast SOAP to the address given: no WS-Discovery multicast.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import requests
from zeep import Client, Settings
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport
from zeep.wsdl import Document

from streams.onvif.address import OnvifAddress
from streams.onvif.errors import OnvifAuthRefused, OnvifError, OnvifUnreachable
from streams.onvif.types import DeviceInformation, MediaProfile, ProbedDevice, StreamChoice, choose_profile
from streams.redact import Secrets

_Result = TypeVar("_Result")
_SERVICES = ("devicemgmt", "media")


@cache
def _onvif() -> ModuleType:
    """onvif.client, imported without the `logging.basicConfig` it runs on import."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    import onvif.client

    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    return onvif.client


def default_wsdl_dir() -> Path:
    """Where onvif-zeep installs its WSDL files: a top-level `wsdl/` beside the `onvif` package."""
    return Path(_onvif().__file__ or ".").resolve().parent.parent / "wsdl"


class OnvifClient:
    """Thread-safe; every request is bounded by `timeout_s`."""

    def __init__(self, *, timeout_s: float = 5.0, wsdl_dir: Path | None = None) -> None:
        self.timeout_s = timeout_s
        self._wsdl_dir = wsdl_dir or default_wsdl_dir()
        self._settings = Settings(strict=False, xml_huge_tree=True)
        self._documents: dict[str, Document] = {}
        self._parsing = threading.Lock()
        for name in _SERVICES:
            if not (self._wsdl_dir / _onvif().SERVICES[name]["wsdl"]).is_file():
                raise OnvifError(f"onvif-zeep's WSDL files are not in {self._wsdl_dir}")

    def probe(self, address: OnvifAddress, username: str, password: str) -> ProbedDevice:
        """The device's maker and every media profile, with stream and snapshot addresses."""
        with _Device(self, address, username, password) as device:
            info = device.call("GetDeviceInformation", device.management.GetDeviceInformation)
            information = DeviceInformation(
                str(info.Manufacturer or ""),
                str(info.Model or ""),
                str(info.FirmwareVersion or ""),
                str(info.SerialNumber or ""),
            )
            return ProbedDevice(address, information, tuple(device.profiles(snapshots=True)))

    def stream(
        self, address: OnvifAddress, username: str, password: str, choice: StreamChoice
    ) -> MediaProfile:
        """The profile `choice` picks (see `choose_profile`), with its RTSP address."""
        with _Device(self, address, username, password) as device:
            return choose_profile(device.profiles(snapshots=False), choice)

    def document(self, service: str) -> Document:
        with self._parsing:
            if service not in self._documents:
                path = self._wsdl_dir / _onvif().SERVICES[service]["wsdl"]
                # zeep annotates the transport as a class; it takes an instance.
                transport: Any = Transport()
                self._documents[service] = Document(str(path), transport, settings=self._settings)
            return self._documents[service]

    def transport(self) -> Transport:
        session = requests.Session()
        session.trust_env = False  # loopback and private networks: no proxy from the environment
        return Transport(session=session, timeout=self.timeout_s, operation_timeout=self.timeout_s)

    @property
    def settings(self) -> Settings:
        return self._settings


class _Device:
    """One conversation with one device: its clock offset, its services."""

    def __init__(self, client: OnvifClient, address: OnvifAddress, username: str, password: str) -> None:
        self._client = client
        self._address = address
        self._username = username
        self._secrets = Secrets.of([password])
        self._transport = client.transport()
        try:
            self._connect(username, password)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> _Device:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.session.close()

    def _connect(self, username: str, password: str) -> None:
        address = self._address
        anonymous = self._service("devicemgmt", address.device_service, None)
        clock = self.call("GetSystemDateAndTime", anonymous.GetSystemDateAndTime)
        self._credentials = (username, password, _clock_offset(clock))
        self.management = self._service("devicemgmt", address.device_service, self._credentials)
        capabilities = self.call(
            "GetCapabilities", partial(self.management.GetCapabilities, {"Category": "Media"})
        )
        media_address = getattr(getattr(capabilities, "Media", None), "XAddr", None)
        if not media_address:
            raise OnvifError(f"{address}: the device names no media service")
        self.media = self._service("media", str(media_address), self._credentials)

    def profiles(self, *, snapshots: bool) -> list[MediaProfile]:
        found = []
        for profile in self.call("GetProfiles", self.media.GetProfiles) or []:
            token = str(profile.token)
            setup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
            request = {"StreamSetup": setup, "ProfileToken": token}
            stream = self.call("GetStreamUri", partial(self.media.GetStreamUri, request))
            snapshot = self._snapshot_uri(token) if snapshots else None
            encoder = getattr(profile, "VideoEncoderConfiguration", None)
            resolution = getattr(encoder, "Resolution", None)
            rate = getattr(encoder, "RateControl", None)
            found.append(
                MediaProfile(
                    token=token,
                    name=str(getattr(profile, "Name", "") or token),
                    encoding=str(encoder.Encoding) if encoder is not None and encoder.Encoding else None,
                    width=_number(getattr(resolution, "Width", None), int),
                    height=_number(getattr(resolution, "Height", None), int),
                    fps=_number(getattr(rate, "FrameRateLimit", None), float),
                    stream_uri=str(stream.Uri) if stream is not None and stream.Uri else None,
                    snapshot_uri=snapshot,
                )
            )
        return found

    def _snapshot_uri(self, token: str) -> str | None:
        try:
            answer = self.call("GetSnapshotUri", partial(self.media.GetSnapshotUri, {"ProfileToken": token}))
        except OnvifAuthRefused:
            raise
        except OnvifError:
            return None  # snapshots are optional in ONVIF's Profile S
        return str(answer.Uri) if answer is not None and answer.Uri else None

    def _service(self, name: str, xaddr: str, credentials: tuple[str, str, dt.timedelta] | None) -> Any:
        onvif = _onvif()
        definition = onvif.SERVICES[name]
        wsse = None
        if credentials is not None:
            username, password, offset = credentials
            wsse = onvif.UsernameDigestTokenDtDiff(username, password, dt_diff=offset, use_digest=True)
        zeep_client = Client(
            wsdl=self._client.document(name),
            wsse=wsse,
            transport=self._transport,
            settings=self._client.settings,
        )
        try:
            return onvif.ONVIFService(
                xaddr,
                credentials[0] if credentials else "",
                credentials[1] if credentials else "",
                str(self._client.document(name).location),
                zeep_client=zeep_client,
                binding_name=f"{{{definition['ns']}}}{definition['binding']}",
                transport=self._transport,
            )
        except onvif.ONVIFError as exc:
            raise OnvifError(
                f"{self._address}: cannot set up the {name} service: {self._mask(exc)}"
            ) from None

    def call(self, what: str, operation: Callable[[], _Result]) -> _Result:
        try:
            return operation()
        except _onvif().ONVIFError as exc:
            raise self._translated(what, exc.__context__ or exc) from None

    def _translated(self, what: str, cause: BaseException) -> OnvifError:
        where = f"{self._address}: {what}"
        if isinstance(cause, Fault):
            codes = " ".join(str(code) for code in (cause.code, *(cause.subcodes or ())))
            if "NotAuthorized" in codes:
                return OnvifAuthRefused(
                    f"{where}: the device refused user {self._username!r} (wrong password?)"
                )
            return OnvifError(f"{where} refused: {self._mask(cause.message)}")
        if isinstance(cause, TransportError) and cause.status_code == 401:
            return OnvifAuthRefused(f"{where}: the device refused user {self._username!r} (HTTP 401)")
        if isinstance(cause, requests.Timeout):
            return OnvifUnreachable(f"{where}: no answer within {self._client.timeout_s:g} s")
        if isinstance(cause, requests.ConnectionError):
            return OnvifUnreachable(f"{where}: cannot connect")
        if isinstance(cause, ZeepError):
            return OnvifError(f"{where}: not an ONVIF answer ({type(cause).__name__}: {self._mask(cause)})")
        return OnvifError(f"{where} failed ({type(cause).__name__}: {self._mask(cause)})")

    def _mask(self, text: object) -> str:
        return self._secrets.mask(str(text))


def _clock_offset(answer: Any) -> dt.timedelta:
    """Device clock minus ours, so the token's Created is the device's time (onvif-zeep's dt_diff)."""
    try:
        utc = answer.UTCDateTime
        device = dt.datetime(
            utc.Date.Year, utc.Date.Month, utc.Date.Day, utc.Time.Hour, utc.Time.Minute, utc.Time.Second
        )
    except (AttributeError, TypeError, ValueError):
        return dt.timedelta(0)  # a device that does not say: assume our clocks agree
    return device - dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _number(value: object, kind: Callable[[Any], _Result]) -> _Result | None:
    try:
        return kind(value) if value is not None else None
    except (TypeError, ValueError):
        return None
