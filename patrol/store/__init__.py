"""Persistence: SQLite by default, PostgreSQL by URL."""

from patrol.store.records import (
    AuditEntry,
    AuditRecord,
    CameraHealthRecord,
    CameraRecord,
    DecisionRecord,
    EventRecord,
    EventVersion,
    EvidenceRecord,
    Finding,
    LookRecord,
    ReferenceRecord,
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
    "CameraHealthRecord",
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
    "ReferenceRecord",
    "RevisionConflict",
    "SchoolRecord",
    "SchoolScope",
    "Store",
    "sqlite_url",
]
