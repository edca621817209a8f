"""Display names for the dashboard: Chinese first, English in parentheses (until i18n)."""

from __future__ import annotations

from patrol.types import EventStatus, EventType

EVENT_TYPES: dict[EventType, str] = {
    EventType.GUARD_ABSENT: "门卫脱岗 (Guard absent)",
    EventType.UNREGISTERED_ENTRY: "进出未登记 (Unregistered entry)",
    EventType.LOITERING: "可疑人员徘徊 (Loitering)",
    EventType.CAMERA_UNREACHABLE: "摄像头离线 (Camera unreachable)",
}

EVENT_STATUSES: dict[EventStatus, str] = {
    EventStatus.NEW: "待核查 (New)",
    EventStatus.CONFIRMED: "已确认 (Confirmed)",
    EventStatus.DISMISSED: "已排除 (Dismissed)",
}
