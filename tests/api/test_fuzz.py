"""schemathesis over the app's own /openapi.json, in-process, as every role of two stations and
the county, over seeded events, hazards, cameras and on-demand patrols: no 5xx, no answer that
breaks its declared schema, and every request about another jurisdiction's object answered 404.

Deterministic: hypothesis is derandomized (a fixed seed per operation), keeps no example
database, and the app's clock stands still.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from patrol.hazards import EscalationLevel, HazardRegister
from patrol.records import OnDemandRequest
from patrol.registry.importer import CameraImporter
from patrol.store import Store, sqlite_url
from patrol.types import EventStatus, EventType
from tests.api.routes.test_schools import RecordingPatrol
from tests.api.support import (
    DECIDED_AT,
    T0,
    USERS,
    StillCameras,
    finding,
    make_app,
    populate,
    site_config,
    token_for,
)

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.failures import FailureGroup  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
)

EXAMPLES_PER_OPERATION = 6
MIN_REQUESTS = 2000
# The live feed never ends by itself: its own tests cover it.
NOT_FUZZED = {("GET", "/api/v1/events/stream")}
# Answers that come before any object is looked up, and are the same for one that does not exist:
# a body that is not even text (400), a role without the permission, invalid input, a limit.
BEFORE_LOOKUP = {400, 401, 403, 422, 429}


@dataclass
class Objects:
    """Path parameters naming objects of one station's schools."""

    by_parameter: dict[str, list[Any]] = field(default_factory=dict)


def seed(store: Store) -> dict[str, Objects]:
    """The site of tests.api.support, with a hazard and an on-demand patrol at each school."""
    site = populate(store)
    south = store.record_finding(
        finding("south-gate", EventType("loitering"), T0 + timedelta(minutes=70), 60)
    )
    south = store.decide(south.id, EventStatus.CONFIRMED, "已通报", T0 + timedelta(minutes=75))
    register = HazardRegister(store)
    deadline = DECIDED_AT + timedelta(days=3)
    hazards = {
        school: register.create(
            event.id,
            level=EscalationLevel.NOTICE,
            deadline=deadline,
            owner="王校长",
            by="supervisor",
            now=DECIDED_AT,
        )
        for school, event in (("north", site.b), ("south", south))
    }
    patrols = {
        school: store.record_on_demand(
            OnDemandRequest(school, "officer", T0, T0 + timedelta(seconds=120), cameras)
        )
        for school, cameras in (("north", 2), ("south", 1))
    }
    north, south_objects = Objects(), Objects()
    north.by_parameter = {
        "event_id": [site.a.id, site.b.id, site.e.id],
        "camera_id": ["north-booth", "north-gate"],
        "school_id": ["north"],
        "hazard_id": [hazards["north"].id],
        "request_id": [patrols["north"].id],
    }
    south_objects.by_parameter = {
        "event_id": [site.c.id, site.d.id, south.id],
        "camera_id": ["south-gate"],
        "school_id": ["south"],
        "hazard_id": [hazards["south"].id],
        "request_id": [patrols["south"].id],
    }
    return {"north-station": south_objects, "south-station": north}


@dataclass
class Tally:
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def count(self, status: int) -> None:
        self.requests += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1


def test_every_operation_as_every_role_gives_no_5xx_keeps_its_schema_and_hides_other_stations(
    tmp_path: Path,
) -> None:
    store = Store(sqlite_url(tmp_path), tmp_path / "evidence")
    store.create_schema()
    foreign = seed(store)
    # No environment: a generated sheet naming a variable is refused, never resolved.
    importer = CameraImporter(site_config(), store, environ={}, onvif_timeout_s=1.0)
    app = make_app(store, patrol=RecordingPatrol(store), snapshots=StillCameras(), camera_import=importer)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if (result.ok().method.upper(), result.ok().path) not in NOT_FUZZED
    ]
    tally = Tally()
    started = time.monotonic()
    for username, (_role, jurisdiction) in USERS.items():
        headers = {"Authorization": f"Bearer {token_for(app, username)}"}
        others = foreign.get(jurisdiction)
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, mode, headers, others, username, tally)
    took = time.monotonic() - started
    print(f"{tally.requests} requests in {took:.0f} s; statuses {dict(sorted(tally.statuses.items()))}")
    assert not tally.failures, "\n".join(tally.failures[:20])
    assert tally.requests >= MIN_REQUESTS


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    others: Objects | None,
    username: str,
    tally: Tally,
) -> None:
    label = f"{username} {operation.method.upper()} {operation.path} ({mode.value})"
    foreign_parameters = {
        name: values
        for name, values in (others.by_parameter.items() if others else ())
        if f"{{{name}}}" in operation.path
    }

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), pick=st.integers(min_value=0, max_value=99))
    def check(case: Any, pick: int) -> None:
        _call(case, headers, label, tally)
        foreign_body = others is not None and isinstance(case.body, dict) and "event_id" in case.body
        if foreign_parameters or foreign_body:
            # The same request about another station's object: it must not be found.
            assert others is not None
            for name, values in foreign_parameters.items():
                case.path_parameters[name] = values[pick % len(values)]
            if foreign_body:
                events = others.by_parameter["event_id"]
                case.body["event_id"] = events[pick % len(events)]
            response = _call(case, headers, label, tally)
            if response.status_code not in BEFORE_LOOKUP | {404}:
                tally.failures.append(
                    f"{label} {case.path_parameters} {case.body}: another station's object answered "
                    f"{response.status_code}: {response.text[:200]}"
                )

    try:
        check()
    except Unsatisfiable:
        # No parameter or body to get wrong: an operation without any has no negative cases.
        assert mode is GenerationMode.NEGATIVE, label


def _call(case: Any, headers: dict[str, str], label: str, tally: Tally) -> Any:
    response = case.call(headers=headers)
    tally.count(response.status_code)
    try:
        case.validate_response(
            response, checks=[not_a_server_error, response_schema_conformance, content_type_conformance]
        )
    except FailureGroup as failure:  # schemathesis' findings, one group per response
        tally.failures.append(f"{label}: {str(failure)[:600]}")
    return response
