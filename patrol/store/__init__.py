"""Persistence: SQLite by default, PostgreSQL by URL."""

from patrol.store.records import (
    AuditEntry,
    AuditRecord,
    CameraHealth,
    CameraRecord,
    DecisionRecord,
    EventRecord,
    EventVersion,
    EvidenceRecord,
    Finding,
    LookRecord,
    SchoolRecord,
)
from patrol.store.store import (
    AlreadyDecided,
    CameraNotFound,
    EventNotFound,
    NotDecided,
    RevisionConflict,
    SchoolScope,
    Store,
    sqlite_url,
)

__all__ = [
    "AlreadyDecided",
    "AuditEntry",
    "AuditRecord",
    "CameraHealth",
    "CameraNotFound",
    "CameraRecord",
    "DecisionRecord",
    "EventNotFound",
    "EventRecord",
    "EventVersion",
    "EvidenceRecord",
    "Finding",
    "LookRecord",
    "NotDecided",
    "RevisionConflict",
    "SchoolRecord",
    "SchoolScope",
    "Store",
    "sqlite_url",
]
