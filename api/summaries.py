"""What the rule saw, in plain words of either language, rebuilt from an event's details.

The rules write their summary in English; the Chinese one is built here from the same details.
Where the details lack what a sentence needs, the stored English summary is shown instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from api.catalogue import label
from patrol.store import EventRecord
from patrol.types import EventType


def _clock(value: Any, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(str(value)).astimezone(zone).strftime("%H:%M:%S")


def _num(value: Any) -> str:
    return f"{float(value):g}"


def _guard_absent(d: dict[str, Any], event: EventRecord, zone: ZoneInfo) -> str:
    return (
        f"「{d['zone']}」区域 {_clock(d['first_short_at'], zone)} 首次发现在岗人数不足，"
        f"{_num(d['confirm_after_s'])} 秒后复查（{event.first_seen.astimezone(zone):%H:%M:%S}）仍不足："
        f"要求 {d['min_persons']} 人，实际 {d['persons_in_zone']} 人"
    )


def _loitering(d: dict[str, Any], event: EventRecord, zone: ZoneInfo) -> str:
    return (
        f"{_clock(d['suspected_at'], zone)} 有人在「{d['zone']}」区域停留 {_num(d['first_stay_s'])} 秒；"
        f"{event.first_seen.astimezone(zone):%H:%M:%S} 复查时同一人（外观相似度 {d['similarity']}）"
        f"再次停留 {_num(d['follow_up_stay_s'])} 秒（停留 {_num(d['min_dwell_s'])} 秒起算）"
    )


def _unregistered_entry(d: dict[str, Any], event: EventRecord, zone: ZoneInfo) -> str:
    required = float(d["min_desk_dwell_s"])
    offenders = [entry for entry in d["entries"] if float(entry["desk_dwell_s"]) < required]
    if not offenders:
        raise KeyError("entries")
    first = offenders[0]
    return (
        f"{len(offenders)} 人于 {_clock(first['at'], zone)} 未登记进入：在「{d['desk_zone']}」区域仅停留 "
        f"{_num(first['desk_dwell_s'])} 秒，要求 {_num(required)} 秒"
    )


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


_CHINESE: dict[EventType, Callable[[dict[str, Any], EventRecord, ZoneInfo], str]] = {
    EventType.GUARD_ABSENT: _guard_absent,
    EventType.LOITERING: _loitering,
    EventType.UNREGISTERED_ENTRY: _unregistered_entry,
    EventType.CAMERA_UNREACHABLE: _camera_unreachable,
    EventType.CAMERA_AUTH_REFUSED: _camera_unreachable,
    EventType.CAMERA_BLANK: _camera_blank,
    EventType.CAMERA_FROZEN: _camera_frozen,
    EventType.CAMERA_OBSTRUCTED: _camera_obstructed,
    EventType.CAMERA_MOVED: _camera_moved,
}


def summary(event: EventRecord, lang: str, zone: ZoneInfo) -> str:
    if lang == "en":
        return event.summary
    try:
        return _CHINESE[event.type](event.details, event, zone)
    except (KeyError, TypeError, ValueError):
        return event.summary
