"""What the rule saw, in plain words of either language, rebuilt from an event's details.

A rule's finding is written in English when it is found; the Chinese one is built by the
rule's own ``summary_zh`` from its typed details, read back from the event. Camera-health
events are not rules: their Chinese sentences are built here. Where stored details lack what a
sentence needs, the stored English summary is shown instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from api.catalogue import label
from patrol.records import EventRecord
from patrol.rules.registry import rule_spec
from patrol.types import EventType


def _clock(value: Any, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(str(value)).astimezone(zone).strftime("%H:%M:%S")


def _num(value: Any) -> str:
    return f"{float(value):g}"


def _camera_unreachable(d: dict[str, Any], event: EventRecord, zone: ZoneInfo) -> str:
    return f"摄像头无法查看：{label('zh-CN', 'outcome', d['outcome'])}（等待 {_num(d['waited_s'])} 秒）"


def _camera_blank(d: dict[str, Any], event: EventRecord, zone: ZoneInfo) -> str:
    return f"画面黑屏或无内容：对比度 {_num(d['contrast'])}（低于 {_num(d['max_contrast'])}），亮度 {_num(d['brightness'])}"


def _camera_frozen(d: dict[str, Any], event: EventRecord, zone: ZoneInfo) -> str:
    return f"画面与上次查看完全相同（差异 {_num(d['difference'])} 灰度级），视频可能已冻结"


def _camera_obstructed(d: dict[str, Any], event: EventRecord, zone: ZoneInfo) -> str:
    reference = d.get("reference_sharpness")
    compared = f"，参考画面 {_num(reference)}" if reference is not None else ""
    return (
        f"镜头被遮挡或严重失焦：清晰度 {_num(d['sharpness'])}{compared}，暗区占 {float(d['dark_share']):.0%}"
    )


def _camera_moved(d: dict[str, Any], event: EventRecord, zone: ZoneInfo) -> str:
    return (
        f"摄像头视角偏离参考画面（{_clock(d['reference_taken_at'], zone)} 拍摄）：仅 {d['features_in_place']} 个"
        f"特征点仍在原位（至少需要 {d['min_in_place']} 个）"
    )


def _rule_unconfigured(d: dict[str, Any], event: EventRecord, zone: ZoneInfo) -> str:
    missing = "；".join(
        f"{label('zh-CN', 'type', rule)}缺少「{'」「'.join(labels)}」参考画面"
        for rule, labels in d["missing"].items()
    )
    return f"规则无法判断，需管理员先拍摄参考画面：{missing}"


_CHINESE: dict[EventType, Callable[[dict[str, Any], EventRecord, ZoneInfo], str]] = {
    EventType.CAMERA_UNREACHABLE: _camera_unreachable,
    EventType.CAMERA_AUTH_REFUSED: _camera_unreachable,
    EventType.CAMERA_BLANK: _camera_blank,
    EventType.CAMERA_FROZEN: _camera_frozen,
    EventType.CAMERA_OBSTRUCTED: _camera_obstructed,
    EventType.CAMERA_MOVED: _camera_moved,
    EventType.RULE_UNCONFIGURED: _rule_unconfigured,
}


def summary(event: EventRecord, lang: str, zone: ZoneInfo) -> str:
    if lang == "en":
        return event.summary
    try:
        spec = rule_spec(event.type)
        if spec is not None:
            return spec.summary_zh(spec.read_details(event.details), event.first_seen, zone)
        return _CHINESE[event.type](event.details, event, zone)
    except (KeyError, TypeError, ValueError):
        # pydantic's ValidationError is a ValueError: details stored by an older rule, say.
        return event.summary
