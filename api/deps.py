"""Collaborators the routes depend on, reached through the app that `create_app` built."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Protocol, cast

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from api.settings import ApiSettings
from patrol.store import Store


class PatrolControl(Protocol):
    """The running patrol, as the API may see it."""

    def status(self) -> dict[str, object]:
        """Aggregate runtime figures (looks done, workers busy, ...).

        Never future sample times: the plan stays secret, even from officers.
        """
        ...


def get_settings(request: Request) -> ApiSettings:
    return cast(ApiSettings, request.app.state.settings)


def get_store(request: Request) -> Store:
    return cast(Store, request.app.state.store)


def get_patrol(request: Request) -> PatrolControl | None:
    return cast(PatrolControl | None, request.app.state.patrol)


def get_templates(request: Request) -> Jinja2Templates:
    return cast(Jinja2Templates, request.app.state.templates)


def utc_now() -> datetime:
    """The time a decision is stamped with; tests may override it on the app."""
    return datetime.now(UTC)


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
PatrolDep = Annotated[PatrolControl | None, Depends(get_patrol)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
NowDep = Annotated[datetime, Depends(utc_now)]
