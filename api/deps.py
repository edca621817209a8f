"""Collaborators the routes depend on, reached through the app that `create_app` built."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol, cast

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from api.limits import ApiLimits
from api.settings import ApiSettings
from patrol.accounts import Accounts, Jurisdictions
from patrol.clock import Clock
from patrol.hazards import HazardRegister
from patrol.metrics import PatrolMetrics
from patrol.records import OnDemandRecord
from patrol.store import Store
from patrol.store.schema import Migrations
from streams.redact import Secrets


class PatrolControl(Protocol):
    """The running patrol, as the API may see it."""

    def status(self) -> dict[str, object]:
        """Aggregate runtime figures (looks done, workers busy, ...).

        Never future sample times: the plan stays secret, even from officers.
        """
        ...

    def request_on_demand(self, school_id: str, requested_by: str) -> OnDemandRecord:
        """Look at every camera of the school now, within the configured bound; recorded with who asked."""
        ...

    def readiness_problem(self) -> str | None:
        """Why the patrol is not doing its work (dispatcher stopped, no look for too long), or None."""
        ...


class SnapshotTaker(Protocol):
    """Takes a fresh picture of a camera now, within the camera's timeouts.

    Raises streams.errors.StreamTimeout when the camera does not answer in time, another
    StreamError when it refuses or sends nothing usable, LookupError for an unknown camera.
    """

    def snapshot(self, camera_id: str) -> bytes:
        """The picture as a JPEG."""
        ...


def get_settings(request: Request) -> ApiSettings:
    return cast(ApiSettings, request.app.state.settings)


def get_store(request: Request) -> Store:
    return cast(Store, request.app.state.store)


def get_patrol(request: Request) -> PatrolControl | None:
    return cast(PatrolControl | None, request.app.state.patrol)


def get_accounts(request: Request) -> Accounts:
    return cast(Accounts, request.app.state.accounts)


def get_jurisdictions(request: Request) -> Jurisdictions:
    return cast(Jurisdictions, request.app.state.jurisdictions)


def get_snapshots(request: Request) -> SnapshotTaker | None:
    return cast(SnapshotTaker | None, request.app.state.snapshots)


def get_hazards(request: Request) -> HazardRegister:
    return cast(HazardRegister, request.app.state.hazards)


def get_templates(request: Request) -> Jinja2Templates:
    return cast(Jinja2Templates, request.app.state.templates)


def get_metrics(request: Request) -> PatrolMetrics:
    return cast(PatrolMetrics, request.app.state.metrics)


def get_migrations(request: Request) -> Migrations:
    return cast(Migrations, request.app.state.migrations)


def get_secrets(request: Request) -> Secrets:
    """The configuration's secrets, masked in every answer that may quote a stream or an error."""
    return cast(Secrets, request.app.state.secrets)


def get_clock(request: Request) -> Clock:
    return cast(Clock, request.app.state.clock)


def get_limits(request: Request) -> ApiLimits:
    return cast(ApiLimits, request.app.state.limits)


def utc_now(request: Request) -> datetime:
    """The time decisions, sessions and audit entries are stamped with: the app's clock."""
    return get_clock(request).now()


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
PatrolDep = Annotated[PatrolControl | None, Depends(get_patrol)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]
JurisdictionsDep = Annotated[Jurisdictions, Depends(get_jurisdictions)]
SnapshotsDep = Annotated[SnapshotTaker | None, Depends(get_snapshots)]
HazardsDep = Annotated[HazardRegister, Depends(get_hazards)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
ClockDep = Annotated[Clock, Depends(get_clock)]
MetricsDep = Annotated[PatrolMetrics, Depends(get_metrics)]
MigrationsDep = Annotated[Migrations, Depends(get_migrations)]
SecretsDep = Annotated[Secrets, Depends(get_secrets)]
NowDep = Annotated[datetime, Depends(utc_now)]
LimitsDep = Annotated[ApiLimits, Depends(get_limits)]
