"""Persistence: SQLite by default, PostgreSQL by URL."""

from patrol.store.records import (
    CameraRecord,
    EventRecord,
    EvidenceRecord,
    Finding,
    LookRecord,
    ReferenceRecord,
    SchoolRecord,
)
from patrol.store.store import AlreadyDecided, EventNotFound, Store, sqlite_url

__all__ = [
    "AlreadyDecided",
    "CameraRecord",
    "EventNotFound",
    "EventRecord",
    "EvidenceRecord",
    "Finding",
    "LookRecord",
    "ReferenceRecord",
    "SchoolRecord",
    "Store",
    "sqlite_url",
]
