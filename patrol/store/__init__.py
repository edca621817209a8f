"""Persistence: SQLite by default, PostgreSQL by URL. The values it takes and hands out
(`Finding`, `LookRecord`, ...) are the domain's, in `patrol.records`."""

from patrol.store.database import ChangeListener, Database, SchoolScope, sqlite_url
from patrol.store.errors import (
    AlreadyDecided,
    CameraNotFound,
    EventNotFound,
    NotDecided,
    OnDemandNotFound,
    RevisionConflict,
)
from patrol.store.event_records import event_payload
from patrol.store.store import Store

__all__ = [
    "AlreadyDecided",
    "CameraNotFound",
    "ChangeListener",
    "Database",
    "EventNotFound",
    "NotDecided",
    "OnDemandNotFound",
    "RevisionConflict",
    "SchoolScope",
    "Store",
    "event_payload",
    "sqlite_url",
]
