"""The rule registry: each rule's declaration, and its typed details against what events store."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from patrol.config.schema import CameraViewConfig
from patrol.rules import VerdictState
from patrol.rules.guard_absent import GuardAbsentRule
from patrol.rules.registry import RULE_NAMES, RULES, clip_wanted, rule_spec
from patrol.rules.unregistered_entry import UnregisteredEntryRule
from patrol.types import CAMERA_HEALTH_TYPES, EventType
from tests.patrol.rules.scripted import ALWAYS, MONDAY_8AM, later, look, people
from tests.patrol.rules.test_guard_absent import BOOTH
from tests.patrol.rules.test_unregistered_entry import DESK, GATE

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEEN = datetime(2026, 11, 30, 0, 5, tzinfo=UTC)
# Details as events store them today: the rule's keys, the model's name, the latest look's details.
STORED = {
    EventType("guard_absent"): {
        "zone": "booth",
        "persons_in_zone": 0,
        "min_persons": 1,
        "confirm_after_s": 300.0,
        "first_short_at": "2026-11-30T00:00:00+00:00",
        "model": "person-fall-v8",
        "latest": {"zone": "booth", "persons_in_zone": 0},
    },
    EventType("unregistered_entry"): {
        "line": "gate",
        "desk_zone": "desk",
        "min_desk_dwell_s": 3.0,
        "entries": [
            {"track": 4, "at": "2026-11-30T00:04:58.500000+00:00", "desk_dwell_s": 3.5},
            {"track": 7, "at": "2026-11-30T00:05:01+00:00", "desk_dwell_s": 0.5},
        ],
        "model": "person-fall-v8",
    },
    EventType("loitering"): {
        "zone": "outside",
        "min_dwell_s": 8.0,
        "stay_reach_heights": 1.6,
        "min_similarity": 0.97,
        "confirm_after_s": 120.0,
        "suspected_at": "2026-11-30T00:03:00+00:00",
        "first_stay_s": 11.0,
        "first_where": [0.5, 0.62],
        "follow_up_stay_s": 9.0,
        "follow_up_where": [0.52, 0.61],
        "similarity": 0.991,
        "model": "person-fall-v8",
    },
}
SUMMARIES = {
    EventType("guard_absent"): (
        "「booth」区域 08:00:00 首次发现在岗人数不足，300 秒后复查（08:05:00）仍不足：要求 1 人，实际 0 人",
        "booth empty at 08:00:00 and again at 08:05:00; required 1 person, saw 0",
    ),
    EventType("unregistered_entry"): (
        "1 人于 08:05:01 未登记进入：在「desk」区域仅停留 0.5 秒，要求 3 秒",
        "1 person(s) entered at 08:05:01 without registering: stopped 0.5 s at the desk, required 3 s",
    ),
    EventType("loitering"): (
        "08:03:00 有人在「outside」区域停留 11 秒；08:05:00 复查时同一人（外观相似度 0.991）再次停留 9 秒（停留 8 秒起算）",
        "someone stayed 11 s in the outside zone at 08:03:00; the same person (appearance similarity 0.991) "
        "stayed 9 s again at 08:05:00 (a stay counts from 8 s)",
    ),
}


def test_every_rule_is_registered_once_under_its_event_type() -> None:
    assert len(set(RULE_NAMES)) == len(RULE_NAMES)
    for spec in RULES:
        assert rule_spec(spec.event_type) is spec
        assert rule_spec(spec.name) is spec
    for health in CAMERA_HEALTH_TYPES:
        assert rule_spec(health) is None


@pytest.mark.parametrize("event_type", list(STORED), ids=str)
def test_stored_details_read_back_typed_and_make_both_summaries(event_type: EventType) -> None:
    spec = rule_spec(event_type)
    assert spec is not None
    details = spec.read_details(STORED[event_type])
    zh, en = SUMMARIES[event_type]
    assert spec.summary_zh(details, SEEN, SHANGHAI) == zh
    assert spec.summary_en(details, SEEN, SHANGHAI) == en


@pytest.mark.parametrize("event_type", list(STORED), ids=str)
def test_typed_details_store_the_same_json_they_read(event_type: EventType) -> None:
    spec = rule_spec(event_type)
    assert spec is not None
    rule_keys = {k: v for k, v in STORED[event_type].items() if k not in ("model", "latest")}
    assert spec.read_details(STORED[event_type]).stored() == rule_keys


@pytest.mark.parametrize("event_type", list(STORED), ids=str)
def test_details_missing_a_key_a_sentence_needs_are_refused(event_type: EventType) -> None:
    spec = rule_spec(event_type)
    assert spec is not None
    first_key = next(iter(spec.details.model_fields))
    broken = {k: v for k, v in STORED[event_type].items() if k != first_key}
    with pytest.raises(ValidationError):
        spec.read_details(broken)


def test_a_finding_stores_its_moments_as_isoformat_with_the_offset() -> None:
    rule = GuardAbsentRule(BOOTH, min_persons=1, confirm_after_s=300, timing=ALWAYS)
    rule.evaluate(look([[]]), MONDAY_8AM)
    finding = rule.evaluate(look([[]], at=later(300)), later(300))
    assert finding.state is VerdictState.FINDING and finding.details is not None
    assert finding.details.stored() == {
        "zone": "booth",
        "persons_in_zone": 0,
        "min_persons": 1,
        "confirm_after_s": 300,
        "first_short_at": MONDAY_8AM.isoformat(),
    }


def test_the_cross_reference_checks_come_from_the_rules_config_fields() -> None:
    # These three rules' fields; any other rule's are checked by its own tests.
    references = {spec.name: spec.references() for spec in RULES if spec.order <= 30}
    assert references == {
        "guard_absent": (("zone", "zones"),),
        "unregistered_entry": (("line", "lines"), ("desk_zone", "zones")),
        "loitering": (("zone", "zones"),),
    }


def test_a_cameras_rules_section_has_one_optional_entry_per_registered_rule() -> None:
    view = CameraViewConfig.model_validate(
        {
            "zones": {"booth": [[0, 0], [1, 0], [1, 1]]},
            "rules": {"guard_absent": {"zone": "booth", "windows": []}},
        }
    )
    [(spec, config)] = view.rules.configured()
    assert spec.event_type is EventType("guard_absent")
    assert view.rules.of(spec) is config
    assert set(type(view.rules).model_fields) == set(RULE_NAMES)
    with pytest.raises(ValidationError, match="guard_abs"):
        CameraViewConfig.model_validate({"rules": {"guard_abs": {}}})


def test_only_rules_declaring_a_clip_need_are_asked_for_a_clip() -> None:
    assert [spec.name for spec in RULES if spec.needs.clip] == ["unregistered_entry", "loitering"]
    guard = GuardAbsentRule(BOOTH, min_persons=1, confirm_after_s=300, timing=ALWAYS)
    entry = UnregisteredEntryRule(GATE, DESK, 3, 5, 300, ALWAYS)  # in its windows it always wants one
    snapshot = people((0.2, 0.92, 1))
    assert clip_wanted([guard], snapshot, MONDAY_8AM) is False
    assert clip_wanted([guard, entry], snapshot, MONDAY_8AM) is True


def test_the_registry_finds_every_rule_module_of_the_package_in_declared_order() -> None:
    import importlib
    import pkgutil

    import patrol.rules

    modules = [info.name for info in pkgutil.iter_modules(patrol.rules.__path__)]
    declared = [name for name in modules if hasattr(importlib.import_module(f"patrol.rules.{name}"), "SPEC")]
    assert sorted(RULE_NAMES) == sorted(declared)
    assert [spec.order for spec in RULES] == sorted(spec.order for spec in RULES)
    assert RULE_NAMES[:3] == ("guard_absent", "unregistered_entry", "loitering")


def test_event_types_are_the_rules_then_camera_health_and_compare_as_interned_values() -> None:
    import copy
    import pickle

    assert list(EventType)[: len(RULES)] == [spec.event_type for spec in RULES]
    assert set(list(EventType)[len(RULES) :]) == set(CAMERA_HEALTH_TYPES)
    loitering = EventType("loitering")
    assert loitering is RULES[RULE_NAMES.index("loitering")].event_type
    assert pickle.loads(pickle.dumps(loitering)) is loitering
    assert copy.deepcopy(loitering) is loitering
    assert (loitering == "loitering", loitering.value, f"{loitering}") == (True, "loitering", "loitering")
    with pytest.raises(ValueError, match="not an event type"):
        EventType("loiter")
    with pytest.raises(ValueError, match="declared twice"):
        EventType.declare("loitering")
