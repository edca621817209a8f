"""Persistence: SQLite by default, PostgreSQL by URL."""

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
    ImportedCameraRecord,
    LookRecord,
    OnDemandRecord,
    OnDemandRequest,
    ReferenceRecord,
    SchoolRecord,
)
from patrol.store.store import Store

__all__ = [
    "AlreadyDecided",
    "AuditEntry",
    "AuditRecord",
    "CameraHealthRecord",
    "CameraNotFound",
    "CameraRecord",
    "ChangeListener",
    "Database",
    "DecisionRecord",
    "EventNotFound",
    "EventRecord",
    "EventVersion",
    "EvidenceRecord",
    "Finding",
    "ImportedCameraRecord",
    "LookRecord",
    "NotDecided",
    "OnDemandNotFound",
    "OnDemandRecord",
    "OnDemandRequest",
    "ReferenceRecord",
    "RevisionConflict",
    "SchoolRecord",
    "SchoolScope",
    "Store",
    "event_payload",
    "sqlite_url",
]
