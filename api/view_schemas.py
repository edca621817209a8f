"""What the camera view routes answer: a camera's zones, lines and rules, and their saved versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from api.schemas import PublicModel
from patrol.registry.views import CameraView
from patrol.store.camera_views import ViewVersionRecord


class CameraViewPublic(PublicModel):
    camera_id: str
    source: Literal["imported", "config"] = Field(
        description="imported: kept in the database, edited here; config: the config file defines it"
    )
    editable: bool = Field(description="Whether the asking user may change it here")
    reason: str = Field("", description="Why it cannot be changed here, when it cannot")
    version: int = Field(description="Its latest saved version; 0 for a view never edited. Send as If-Match")
    view: dict[str, Any] = Field(
        description="Zones, lines and rules in the shape of a camera in the config file; PUT takes the same"
    )

    @classmethod
    def of(cls, view: CameraView, *, may_edit: bool, reason: str) -> CameraViewPublic:
        editable = may_edit and view.source == "imported"
        return cls(
            camera_id=view.camera_id,
            source=view.source,
            editable=editable,
            reason="" if editable else reason,
            version=view.version,
            view=view.view,
        )


class ViewVersionPublic(PublicModel):
    camera_id: str
    version: int
    saved_at: datetime
    saved_by: str
    restored_from: int | None = Field(description="The version this one restored; null for an edit")
    before: dict[str, Any]
    after: dict[str, Any]

    @classmethod
    def from_record(cls, record: ViewVersionRecord) -> ViewVersionPublic:
        return cls(
            camera_id=record.camera_id,
            version=record.version,
            saved_at=record.saved_at,
            saved_by=record.saved_by,
            restored_from=record.restored_from,
            before=record.before,
            after=record.after,
        )


class ViewVersionsPublic(PublicModel):
    data: list[ViewVersionPublic]
    count: int
