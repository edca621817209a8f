"""ONVIF cameras: their media profiles and stream addresses, asked over SOAP (onvif-zeep)."""

from streams.onvif.address import OnvifAddress
from streams.onvif.client import OnvifClient
from streams.onvif.errors import OnvifAuthRefused, OnvifError, OnvifUnreachable
from streams.onvif.types import DeviceInformation, MediaProfile, ProbedDevice, StreamChoice, choose_profile

__all__ = [
    "DeviceInformation",
    "MediaProfile",
    "OnvifAddress",
    "OnvifAuthRefused",
    "OnvifClient",
    "OnvifError",
    "OnvifUnreachable",
    "ProbedDevice",
    "StreamChoice",
    "choose_profile",
]
