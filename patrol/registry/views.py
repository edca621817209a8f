"""Editing a camera's view (zones, lines, rules and their thresholds) while the patrol runs.

Only imported cameras are edited: the config file is applied again at each start and would undo
an edit of one of its cameras. A view is checked as the config checks a camera (its schema and
the rules' references), saved as a new version of the camera with an audit entry, and the running
patrol takes it at its next refresh: the camera's revision changed (patrol.registry.directory).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from patrol.config.checks import camera_names_defined
from patrol.config.schema import CameraViewConfig, PatrolConfig
from patrol.records import AuditEntry
from patrol.registry.actor import Actor
from patrol.store import Store
from patrol.store.camera_views import CameraViewVersions, NotImported, ViewVersionRecord
from patrol.types import AuditAction

Source = Literal["imported", "config"]


@dataclass(frozen=True)
class ViewProblem:
    """One reason a view is refused, located by its key path in the view (`zones`, `booth`)."""

    loc: tuple[str | int, ...]
    message: str


class ViewRefused(ValueError):
    def __init__(self, problems: list[ViewProblem]) -> None:
        super().__init__("; ".join(f"{' -> '.join(map(str, p.loc))}: {p.message}" for p in problems))
        self.problems = problems


class ViewNotEditable(Exception):
    """The camera's view cannot be edited here; the message says why."""


@dataclass(frozen=True)
class CameraView:
    camera_id: str
    source: Source
    view: dict[str, Any]
    version: int  # the latest saved version; 0 for a view never edited


def checked_view(raw: Any, windows: Mapping[str, Any]) -> dict[str, Any]:
    """`raw` as the config would take it under a camera, in the form imported views are stored
    in; ViewRefused with every problem otherwise."""
    problems = [
        ViewProblem(issue.loc, f"{issue.message} (got {issue.value!r})")
        for issue in camera_names_defined(raw, (), raw, windows)
    ]
    try:
        view = CameraViewConfig.model_validate(raw)
    except ValidationError as exc:
        problems += [
            ViewProblem(tuple(error["loc"]), error["msg"].removeprefix("Value error, "))
            for error in exc.errors()
        ]
    if problems:
        raise ViewRefused(problems)
    return view.model_dump(mode="json", exclude_defaults=True)


class CameraViews:
    """The views of the config's cameras (read-only) and of the imported ones (edited, versioned).

    `config` is the config as its file says, without the imported cameras."""

    def __init__(self, config: PatrolConfig, store: Store) -> None:
        self._config = config
        self._own = {camera.id: camera for camera in config.cameras}
        self._versions = CameraViewVersions(store)

    @property
    def windows(self) -> tuple[str, ...]:
        """The names a rule's `windows` may take."""
        return tuple(self._config.windows)

    def of(self, camera_id: str) -> CameraView:
        """LookupError for a camera neither the config nor the imported cameras define."""
        own = self._own.get(camera_id)
        if own is not None:
            fields = own.model_dump(include=set(CameraViewConfig.model_fields))
            view = CameraViewConfig.model_validate(fields).model_dump(mode="json", exclude_defaults=True)
            return CameraView(camera_id, "config", view, 0)
        stored = self._versions.current(camera_id)
        return CameraView(camera_id, "imported", stored.view, stored.version)

    def save(
        self,
        camera_id: str,
        school_id: str,
        raw: Any,
        editor: Actor,
        now: datetime,
        *,
        expected_version: int | None = None,
    ) -> ViewVersionRecord:
        """ViewNotEditable, ViewRefused, NotImported, or ViewChangedMeanwhile when
        `expected_version` is no longer the latest."""
        self._editable(camera_id)
        view = checked_view(raw, self._config.windows)
        audit = _audit(editor, AuditAction.CAMERA_VIEW_SAVED, camera_id, school_id, now, {})
        return self._versions.save(
            camera_id, view, at=now, by=editor.username, audit=audit, expected_version=expected_version
        )

    def restore(
        self, camera_id: str, school_id: str, version: int, editor: Actor, now: datetime
    ) -> ViewVersionRecord:
        """The view as version `version` saved it, saved again as the newest version; checked
        again, since the config's windows may have changed since. LookupError for no such version."""
        self._editable(camera_id)
        old = self._versions.get(camera_id, version)
        if old is None:
            raise LookupError(f"camera {camera_id} has no view version {version}")
        view = checked_view(old.after, self._config.windows)
        audit = _audit(
            editor, AuditAction.CAMERA_VIEW_RESTORED, camera_id, school_id, now, {"restored_from": version}
        )
        return self._versions.save(
            camera_id, view, at=now, by=editor.username, audit=audit, restored_from=version
        )

    def versions(self, camera_id: str) -> list[ViewVersionRecord]:
        return self._versions.list(camera_id)

    def _editable(self, camera_id: str) -> None:
        if camera_id in self._own:
            raise ViewNotEditable(
                f"camera {camera_id} is defined in the config file, which is applied again at each "
                "start and would undo an edit here: change its zones and rules in the file"
            )


def _audit(
    editor: Actor,
    action: AuditAction,
    camera_id: str,
    school_id: str,
    now: datetime,
    detail: dict[str, Any],
) -> AuditEntry:
    return AuditEntry(
        at=now,
        username=editor.username,
        role=editor.role,
        action=action,
        target=f"camera:{camera_id}",
        school_id=school_id,
        jurisdiction_id=editor.jurisdiction_id,
        client=editor.client,
        detail=detail,
    )


__all__ = [
    "CameraView",
    "CameraViews",
    "NotImported",
    "ViewNotEditable",
    "ViewProblem",
    "ViewRefused",
    "checked_view",
]
