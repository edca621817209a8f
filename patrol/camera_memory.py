"""What a camera's rules and health check remember between looks, as bytes for the database.

A county's looks run on many workers: whichever takes a camera's next look restores the memory
the previous look left (pending follow-ups, loitering suspects, the previous picture for the
frozen check, the walk-in settle time) and saves it again with the look, so the camera is
judged as one process would judge it. Each rule names its memory in `memory_fields`.

The format is JSON (zlib-compressed) with tagged values: no pickle, so a database row can
never run code in a worker.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import zlib
from datetime import datetime
from typing import Any

import cv2
import numpy as np

from patrol.cameras import PatrolCamera
from patrol.rules.loitering import Sighting

# The dataclasses a memory may hold, by the name written into it.
_KINDS: dict[str, type] = {"Sighting": Sighting}
_FORMAT = 1


class UnreadableMemory(ValueError):
    """A saved memory this release cannot read."""


def capture(camera: PatrolCamera) -> bytes:
    """The camera's memory now."""
    memory = {
        "format": _FORMAT,
        "health": _fields(camera.health),
        "rules": {str(rule.event_type): _fields(rule) for rule in camera.rules},
    }
    return zlib.compress(json.dumps(memory, separators=(",", ":")).encode(), 6)


def restore(camera: PatrolCamera, saved: bytes | None) -> None:
    """Set the camera's memory to what was saved; None (never looked at) is a fresh start.

    A rule the saved memory does not mention (new in the config) starts fresh too."""
    if saved is None:
        memory: dict[str, Any] = {"health": {}, "rules": {}}
    else:
        try:
            memory = json.loads(zlib.decompress(saved))
        except (zlib.error, ValueError) as exc:
            raise UnreadableMemory(f"camera {camera.id}: saved memory is unreadable ({exc})") from None
        if memory.get("format") != _FORMAT:
            raise UnreadableMemory(f"camera {camera.id}: saved memory has format {memory.get('format')!r}")
    _set_fields(camera.health, memory["health"])
    for rule in camera.rules:
        _set_fields(rule, memory["rules"].get(str(rule.event_type), {}))


def _fields(component: Any) -> dict[str, Any]:
    return {name: _pack(getattr(component, name)) for name in component.memory_fields}


def _set_fields(component: Any, packed: dict[str, Any]) -> None:
    defaults = {f.name: f for f in dataclasses.fields(component)}
    for name in component.memory_fields:
        if name in packed:
            value = _unpack(packed[name])
        else:
            default = defaults[name]
            factory = default.default_factory
            value = factory() if factory is not dataclasses.MISSING else default.default
        setattr(component, name, value)


def _pack(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    if isinstance(value, tuple):
        return {"$tuple": [_pack(v) for v in value]}
    if isinstance(value, list):
        return [_pack(v) for v in value]
    if isinstance(value, np.ndarray):
        return _pack_array(value)
    if dataclasses.is_dataclass(value) and type(value).__name__ in _KINDS:
        fields = {f.name: _pack(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$kind": type(value).__name__, "fields": fields}
    raise TypeError(f"cannot keep a {type(value).__name__} in a camera's memory")


def _unpack(value: Any) -> Any:
    if isinstance(value, list):
        return [_unpack(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$time" in value:
        return datetime.fromisoformat(value["$time"])
    if "$tuple" in value:
        return tuple(_unpack(v) for v in value["$tuple"])
    if "$png" in value:
        picture = cv2.imdecode(np.frombuffer(base64.b64decode(value["$png"]), np.uint8), cv2.IMREAD_UNCHANGED)
        if picture is None:
            raise UnreadableMemory("a saved picture is unreadable")
        return picture
    if "$array" in value:
        return np.load(io.BytesIO(base64.b64decode(value["$array"])), allow_pickle=False)
    if "$kind" in value:
        kind = _KINDS.get(value["$kind"])
        if kind is None:
            raise UnreadableMemory(f"unknown kind {value['$kind']!r} in a saved memory")
        return kind(**{name: _unpack(v) for name, v in value["fields"].items()})
    raise UnreadableMemory(f"unknown value {sorted(value)!r} in a saved memory")


def _pack_array(array: np.ndarray) -> dict[str, str]:
    # Pictures (the frozen check's previous frame, crops) compress far better as PNG, losslessly.
    if array.dtype == np.uint8 and array.ndim in (2, 3) and array.size:
        ok, encoded = cv2.imencode(".png", array)
        if ok:
            return {"$png": base64.b64encode(encoded.tobytes()).decode()}
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return {"$array": base64.b64encode(buffer.getvalue()).decode()}
