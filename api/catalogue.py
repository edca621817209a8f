"""Every label the web interface shows, in Chinese (the default) and English, in one place.

Each entry is (zh-CN, en), so a label cannot exist in one language only. Templates and the
dashboard script read labels from here (the script gets them through the page), never their own.
"""

from __future__ import annotations

from enum import StrEnum

from patrol.hazards.lifecycle import EscalationLevel, HazardState
from patrol.rules.registry import RULES
from patrol.types import AuditAction, CameraRole, DecisionReason, EventStatus, EventType, LookOutcome, Role

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"

_ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "type": {
        # The rules name themselves; camera health is not a rule.
        **{spec.event_type: spec.label for spec in RULES},
        EventType.CAMERA_UNREACHABLE: ("摄像头离线", "Camera unreachable"),
        EventType.CAMERA_AUTH_REFUSED: ("摄像头拒绝登录", "Camera refused login"),
        EventType.CAMERA_BLANK: ("画面黑屏", "Blank picture"),
        EventType.CAMERA_FROZEN: ("画面冻结", "Frozen picture"),
        EventType.CAMERA_OBSTRUCTED: ("镜头遮挡或失焦", "Lens covered or out of focus"),
        EventType.CAMERA_MOVED: ("摄像头移位", "Camera moved"),
        EventType.RULE_UNCONFIGURED: ("规则缺少参考画面", "Rule lacks reference views"),
    },
    "status": {
        EventStatus.NEW: ("待核查", "New"),
        EventStatus.CONFIRMED: ("已确认", "Confirmed"),
        EventStatus.DISMISSED: ("已排除", "Dismissed"),
    },
    "reason": {
        DecisionReason.FALSE_DETECTION: ("误检", "False detection"),
        DecisionReason.AUTHORISED_PERSON: ("授权人员", "Authorised person"),
        DecisionReason.GUARD_PRESENT_OFF_ZONE: ("门卫在岗但不在画面区域", "Guard present, off zone"),
        DecisionReason.CAMERA_PROBLEM: ("摄像头故障", "Camera problem"),
        DecisionReason.OTHER: ("其他", "Other"),
    },
    "role": {
        Role.DISPATCHER: ("指挥室值班员", "Dispatcher"),
        Role.OFFICER: ("民警", "Officer"),
        Role.SUPERVISOR: ("主管", "Supervisor"),
        Role.ADMINISTRATOR: ("管理员", "Administrator"),
    },
    "action": {
        AuditAction.LOGIN: ("登录", "Login"),
        AuditAction.LOGIN_FAILED: ("登录失败", "Failed login"),
        AuditAction.LOGOUT: ("退出", "Logout"),
        AuditAction.DECISION: ("处置", "Decision"),
        AuditAction.DECISION_REVISED: ("修改处置", "Decision revised"),
        AuditAction.EVIDENCE_VIEW: ("查看证据", "Evidence viewed"),
        AuditAction.SNAPSHOT: ("实时抓拍", "Snapshot"),
        AuditAction.ON_DEMAND_PATROL: ("临时巡查", "On-demand patrol"),
        AuditAction.REFERENCE_RESET: ("重置参考画面", "Reference view reset"),
        AuditAction.LABELLED_VIEW_TAKEN: ("拍摄标注参考画面", "Labelled reference view taken"),
        AuditAction.EXPORT: ("导出", "Export"),
        AuditAction.HAZARD_CREATED: ("登记隐患", "Hazard registered"),
        AuditAction.HAZARD_ADVANCED: ("隐患状态变更", "Hazard advanced"),
        AuditAction.HAZARD_ESCALATED: ("隐患升级", "Hazard escalated"),
        AuditAction.HAZARD_VERIFIED: ("隐患核查销号", "Hazard verified"),
        AuditAction.CAMERAS_IMPORTED: ("导入摄像机", "Cameras imported"),
        AuditAction.CAMERAS_REMOVED: ("移除导入的摄像机", "Imported cameras removed"),
        AuditAction.CAMERA_VIEW_SAVED: ("修改摄像机区域与规则", "Camera zones and rules saved"),
        AuditAction.CAMERA_VIEW_RESTORED: ("恢复摄像机区域与规则", "Camera zones and rules restored"),
    },
    "camera_role": {
        CameraRole.BOOTH: ("门卫室", "Guard booth"),
        CameraRole.GATE_INSIDE: ("校门内", "Gate, inside"),
        CameraRole.GATE_OUTSIDE: ("校门外", "Gate, outside"),
        CameraRole.YARD: ("校园", "Yard"),
    },
    "hazard_state": {
        HazardState.NOTIFIED: ("已通报", "Notified"),
        HazardState.RECTIFYING: ("整改中", "Rectifying"),
        HazardState.RECTIFIED: ("已整改", "Rectified"),
        HazardState.CLEARED: ("已清零", "Cleared"),
    },
    "hazard_level": {
        EscalationLevel.ON_THE_SPOT: ("立行立改", "Fixed on the spot"),
        EscalationLevel.NOTICE: ("整改通知书", "Rectification notice"),
        EscalationLevel.EDUCATION_DEPARTMENT: ("移交教育部门", "Referred to the education department"),
    },
    "outcome": {
        LookOutcome.OK: ("正常", "OK"),
        LookOutcome.UNREACHABLE: ("无法连接", "Unreachable"),
        LookOutcome.AUTH_REFUSED: ("认证被拒", "Authentication refused"),
        LookOutcome.FAILED: ("巡查出错", "Look failed"),
    },
}

_MESSAGES: dict[str, tuple[str, str]] = {
    "app.title": ("校园视频巡查", "School Patrol"),
    "app.events": ("巡查事件", "Patrol events"),
    "nav.dashboard": ("事件大屏", "Dashboard"),
    "nav.audit": ("审计日志", "Audit log"),
    "nav.logout": ("退出", "Log out"),
    "nav.language": ("English", "中文"),
    "login.title": ("登录", "Log in"),
    "login.username": ("用户名", "User name"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.failed": ("用户名或密码错误", "Wrong user name or password"),
    "login.throttled": (
        "登录失败次数过多，请 {seconds} 秒后再试",
        "Too many failed logins; try again in {seconds} s",
    ),
    "login.expired": ("登录页面已过期，请重新登录", "The login page expired; please log in again"),
    "dash.open": ("待核查事件", "Open events"),
    "dash.total": ("事件总数", "Events"),
    "dash.health": ("学校与摄像头状态", "Schools and cameras"),
    "dash.filters": ("筛选", "Filters"),
    "dash.all": ("全部", "All"),
    "dash.school": ("学校", "School"),
    "dash.type": ("类型", "Type"),
    "dash.status": ("状态", "Status"),
    "dash.since": ("起始时间", "Since"),
    "dash.apply": ("应用", "Apply"),
    "dash.last_hours": ("最近 {n} 小时", "Last {n} h"),
    "dash.sound_on": ("提示音：开", "Sound: on"),
    "dash.sound_off": ("提示音：关", "Sound: off"),
    "dash.live": ("实时", "Live"),
    "dash.connecting": ("连接中…", "Connecting…"),
    "dash.lost": ("连接中断，正在重连", "Connection lost, reconnecting"),
    "dash.new_event": ("新事件", "New event"),
    "dash.keys": (
        "快捷键：J/K 上下移动，Enter 打开，/ 筛选，M 提示音",
        "Keys: J/K move, Enter open, / filters, M sound",
    ),
    "col.evidence": ("证据", "Evidence"),
    "col.type": ("类型", "Type"),
    "col.camera": ("摄像头", "Camera"),
    "col.school": ("学校", "School"),
    "col.first_seen": ("首次发现", "First seen"),
    "col.last_seen": ("最近发现", "Last seen"),
    "col.status": ("状态", "Status"),
    "col.looks": ("巡查次数", "Looks"),
    "event.none": ("暂无事件", "No events"),
    "event.no_image": ("无图像", "No image"),
    "event.ongoing": ("持续中", "Ongoing"),
    "event.ended": ("已结束", "Ended"),
    "event.title": ("事件", "Event"),
    "event.what": ("规则发现", "What the rule saw"),
    "event.evidence": ("证据画面", "Evidence"),
    "event.facts": ("事件信息", "Facts"),
    "event.model": ("检测模型", "Detector model"),
    "event.thresholds": ("规则与阈值", "Rule and thresholds"),
    "event.ended_at": ("结束时间", "Ended"),
    "event.decision": ("处置", "Decision"),
    "event.history": ("处置记录", "Decision history"),
    "event.reason": ("原因", "Reason"),
    "event.note": ("备注", "Note"),
    "event.confirm": ("确认 (C)", "Confirm (C)"),
    "event.dismiss": ("排除 (D)", "Dismiss (D)"),
    "event.revise": ("修改处置", "Revise decision"),
    "event.decided_by": ("处置人", "Decided by"),
    "event.revision": ("修改", "revision"),
    "event.look_now": ("实时查看 (L)", "Look now (L)"),
    "event.looking": ("正在抓拍…", "Taking a snapshot…"),
    "event.snapshot_at": ("抓拍时间", "Snapshot taken"),
    "event.back": ("返回大屏 (Esc)", "Back to dashboard (Esc)"),
    "event.need_reason": ("请选择原因", "Choose a reason"),
    "event.saved": ("已保存", "Saved"),
    "event.keys": (
        "快捷键：1–5 选择原因，C 确认，D 排除，L 实时查看，Esc 返回",
        "Keys: 1–5 reason, C confirm, D dismiss, L look now, Esc back",
    ),
    "event.cannot_decide": ("您的角色不能处置事件", "Your role cannot decide events"),
    "health.ok": ("正常", "OK"),
    "health.unreachable": ("离线", "Unreachable"),
    "health.unknown": ("尚未巡查", "Not yet looked at"),
    "health.cameras_down": ("台摄像头离线", "cameras unreachable"),
    "audit.title": ("审计日志", "Audit log"),
    "audit.at": ("时间", "Time"),
    "audit.user": ("用户", "User"),
    "audit.action": ("操作", "Action"),
    "audit.target": ("对象", "Target"),
    "audit.client": ("来源地址", "Client"),
    "audit.detail": ("详情", "Detail"),
    "audit.until": ("截止时间", "Until"),
    "audit.none": ("没有记录", "No entries"),
    "camera.title": ("摄像头", "Camera"),
    "camera.zones": ("区域", "Zones"),
    "camera.lines": ("线", "Lines"),
    "camera.rules": ("规则与阈值", "Rules and thresholds"),
    "camera.name": ("名称", "Name"),
    "camera.add_zone": ("添加区域", "Add zone"),
    "camera.add_line": ("添加线", "Add line"),
    "camera.add_point": ("加点", "Add point"),
    "camera.delete": ("删除", "Delete"),
    "camera.inside": ("校内侧", "Inside"),
    "camera.default": ("默认 {v}", "default {v}"),
    "camera.save": ("保存", "Save"),
    "camera.saved": ("已保存为第 {n} 版", "Saved as version {n}"),
    "camera.refused": ("未保存：", "Not saved:"),
    "camera.versions": ("历史版本", "Versions"),
    "camera.version": ("第 {n} 版", "Version {n}"),
    "camera.restored_from": ("恢复自第 {n} 版", "restored from version {n}"),
    "camera.restore": ("恢复", "Restore"),
    "camera.no_versions": ("尚无修改", "No changes yet"),
    "camera.picture_reference": ("参考画面", "Reference view"),
    "camera.take_snapshot": ("抓拍当前画面", "Take a snapshot"),
    "camera.no_picture": ("暂无画面", "No picture yet"),
    "camera.hint": (
        "拖动圆点移动顶点或端点；双击顶点删除；箭头指向校内一侧",
        "Drag a point to move it; double-click a corner to remove it; the arrow points inside",
    ),
    "camera.edit": ("区域与规则", "Zones and rules"),
    "camera.from_config": (
        "该摄像头由配置文件定义（每次启动会重新应用），请在配置文件中修改其区域与规则",
        "The config file defines this camera (it is applied again at each start): change its zones and rules there",
    ),
    "camera.admins_only": ("仅管理员可修改区域与规则", "Only administrators change zones and rules"),
    "camera.unavailable": (
        "此服务器不编辑摄像头（未启用摄像头导入）",
        "This server does not edit cameras (it does not import them)",
    ),
    "error.not_found": ("未找到", "Not found"),
    "error.forbidden": ("无权访问", "Not allowed"),
    "detail.outcome": ("结果", "Outcome"),
    "detail.reason": ("原因", "Reason"),
    "detail.waited_s": ("等待（秒）", "Waited (s)"),
    "detail.model": ("模型", "Model"),
    "detail.rule": ("规则", "Rule"),
    "detail.persons": ("人数", "Persons"),
}


def _rule_detail_labels() -> dict[str, tuple[str, str]]:
    """Each rule's detail labels; two rules that share a key must label it alike."""
    labels: dict[str, tuple[str, str]] = {}
    for spec in RULES:
        for key, pair in spec.detail_labels.items():
            if labels.setdefault(f"detail.{key}", pair) != pair:
                raise ValueError(f"rule {spec.name} labels detail {key!r} unlike another rule does")
    return labels


def _entries() -> dict[str, tuple[str, str]]:
    entries = {**_MESSAGES, **_rule_detail_labels()}
    for group, labels in _ENUMS.items():
        for key, pair in labels.items():
            entries[f"{group}.{key}"] = pair
    return entries


ENTRIES = _entries()


def language(code: str | None) -> str:
    """A supported language for a requested one; Chinese unless English is asked for."""
    return "en" if code and code.lower().startswith("en") else DEFAULT_LANGUAGE


def catalogue(lang: str) -> dict[str, str]:
    index = 1 if language(lang) == "en" else 0
    return {key: pair[index] for key, pair in ENTRIES.items()}


def label(lang: str, group: str, value: StrEnum | str) -> str:
    """The label of an enum value (`label("en", "type", EventType("loitering"))`), or the value itself."""
    pair = ENTRIES.get(f"{group}.{value}")
    if pair is None:
        return str(value)
    return pair[1] if language(lang) == "en" else pair[0]


def enum_labels(lang: str, group: str) -> dict[str, str]:
    return {str(key): label(lang, group, key) for key in _ENUMS[group]}
