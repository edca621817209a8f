"""What travels over the broker: look orders to workers, and word back to the planner."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from patrol.types import LookKind


@dataclass(frozen=True)
class LookOrder:
    """A look due now. It holds no time of any later look."""

    visit_id: str
    camera_id: str
    kind: LookKind
    due_at: float  # when the planner sent it (epoch seconds); never in the future
    # The planner's definition of an imported camera (patrol.registry.directory); "" for a
    # camera of the config.
    camera_revision: str = ""

    def to_message(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind.value}

    @classmethod
    def from_message(cls, body: dict[str, Any]) -> LookOrder:
        return cls(
            str(body["visit_id"]),
            str(body["camera_id"]),
            LookKind(body["kind"]),
            float(body["due_at"]),
            str(body.get("camera_revision", "")),  # orders sent before revisions had none
        )


@dataclass(frozen=True)
class LookStarted:
    visit_id: str
    camera_id: str
    worker: str


@dataclass(frozen=True)
class LookDone:
    visit_id: str
    camera_id: str
    worker: str
    took_s: float
    outcome: str
    failed: bool
    findings: int
    finished_at: float
    follow_up_in_s: float | None


@dataclass(frozen=True)
class OnDemandAsked:
    """An on-demand patrol stored by the API; the planner plans it."""

    request_id: int


def to_message(word: LookStarted | LookDone | OnDemandAsked) -> dict[str, Any]:
    return {"type": type(word).__name__, **asdict(word)}


def from_message(body: dict[str, Any]) -> LookStarted | LookDone | OnDemandAsked:
    kinds: dict[str, type[LookStarted] | type[LookDone] | type[OnDemandAsked]] = {
        "LookStarted": LookStarted,
        "LookDone": LookDone,
        "OnDemandAsked": OnDemandAsked,
    }
    fields = dict(body)
    kind = kinds.get(str(fields.pop("type", "")))
    if kind is None:
        raise ValueError(f"unknown message type {body.get('type')!r}")
    return kind(**fields)
