"""The simulator's cameras as ONVIF devices: one device per path, each with a main and a sub stream.

Path number i (in the order the paths are given) answers on port `first_port + i`, or on any
free port when `first_port` is 0 (tests). The sub stream is the same scene at half the
resolution, served as its own RTSP path `<path>/sub`, as a camera's second encoder would send it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import cv2

from streams.simulator.onvif_device import DeviceProfile, OnvifDevice
from streams.simulator.scenarios import Scenario, render

SUB_STREAM_SUFFIX = "/sub"
_JPEG_QUALITY = 85


def sub_stream(scenario: Scenario) -> Scenario:
    """The scenario as the camera's sub stream sends it: half the width and height (kept even)."""
    camera = scenario.camera
    width = max(64, camera.width // 4 * 2)
    height = max(64, camera.height // 4 * 2)
    return replace(scenario, camera=replace(camera, width=width, height=height))


def sub_stream_paths(paths: Mapping[str, Scenario]) -> dict[str, Scenario]:
    subs = {path + SUB_STREAM_SUFFIX: sub_stream(scenario) for path, scenario in paths.items()}
    clash = sorted(set(subs) & set(paths))
    if clash:
        raise ValueError(f"path {clash[0]} is a sub stream's path; ONVIF cameras need it free")
    return subs


class OnvifCameras:
    """The devices of one simulator. `rtsp_url(path)` is a path's stream address without
    credentials; `scenario_s(path)` is the path's scenario clock, which snapshots show."""

    def __init__(
        self,
        paths: Mapping[str, Scenario],
        *,
        rtsp_url: Callable[[str], str],
        scenario_s: Callable[[str], float],
        first_port: int,
        username: str,
        password: str,
        host: str = "127.0.0.1",
    ) -> None:
        self._paths = dict(paths)
        self._rtsp_url = rtsp_url
        self._scenario_s = scenario_s
        self._first_port = first_port
        self._username = username
        self._password = password
        self._host = host
        self._devices: dict[str, OnvifDevice] = {}

    def start(self) -> None:
        try:
            for index, (path, scenario) in enumerate(self._paths.items()):
                port = self._first_port + index if self._first_port else 0
                device = OnvifDevice(
                    serial=path,
                    profiles=[
                        self._profile("main", path, path, scenario),
                        self._profile("sub", path, path + SUB_STREAM_SUFFIX, sub_stream(scenario)),
                    ],
                    username=self._username,
                    password=self._password,
                    host=self._host,
                    port=port,
                )
                device.start()
                self._devices[path] = device
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        devices, self._devices = self._devices, {}
        for device in devices.values():
            device.stop()

    def address(self, path: str) -> str:
        """`host:port` of the path's device, as an import sheet's `onvif` column names it."""
        device = self._devices[path]
        return f"{device.host}:{device.port}"

    def _profile(self, token: str, clock_path: str, stream_path: str, scenario: Scenario) -> DeviceProfile:
        def snapshot() -> bytes:
            picture = render(scenario, self._scenario_s(clock_path))
            ok, encoded = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
            if not ok:
                raise RuntimeError("the picture could not be encoded")
            return bytes(encoded.tobytes())

        camera = scenario.camera
        return DeviceProfile(
            token, camera.width, camera.height, camera.fps, self._rtsp_url(stream_path), snapshot
        )
