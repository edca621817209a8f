"""Persistence: SQLite by default, PostgreSQL by URL."""

from patrol.store.records import (
    CameraRecord,
    EventRecord,
    EvidenceRecord,
    Finding,
    LookRecord,
    OnDemandRecord,
    OnDemandRequest,
    SchoolRecord,
)
from patrol.store.store import AlreadyDecided, EventNotFound, OnDemandNotFound, Store, sqlite_url

__all__ = [
    "AlreadyDecided",
    "CameraRecord",
    "EventNotFound",
    "EventRecord",
    "EvidenceRecord",
    "Finding",
    "LookRecord",
    "OnDemandNotFound",
    "OnDemandRecord",
    "OnDemandRequest",
    "SchoolRecord",
    "Store",
    "sqlite_url",
]
