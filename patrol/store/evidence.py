"""Evidence pictures: written with their event's finding, their hashes kept, read back to be served."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from patrol.records import EvidenceRecord, Finding
from patrol.store.database import Database
from patrol.store.pictures import Pictures
from patrol.store.tables import EvidenceRow

# An event ongoing all day would otherwise gather hundreds of near-identical frames.
MAX_EVIDENCE_PER_EVENT = 10


class EvidenceRepository:
    def __init__(self, database: Database, pictures: Pictures) -> None:
        self._sessions = database.sessions
        self._pictures = pictures

    def add(self, session: Session, event_id: int, finding: Finding) -> None:
        """The finding's picture as the event's evidence, in the finding's transaction, unless
        the event already holds its fill."""
        if finding.evidence_jpeg is None:
            return
        stored = session.scalar(select(func.count(EvidenceRow.id)).where(EvidenceRow.event_id == event_id))
        if (stored or 0) >= MAX_EVIDENCE_PER_EVENT:
            return
        day = finding.seen_at.strftime("%Y-%m-%d")
        relative = Path(finding.camera_id) / day / f"{event_id}-{uuid.uuid4().hex[:12]}.jpg"
        session.add(
            EvidenceRow(
                event_id=event_id,
                created_at=finding.seen_at,
                relative_path=relative.as_posix(),
                sha256=hashlib.sha256(finding.evidence_jpeg).hexdigest(),
                content=self._pictures.keep(relative, finding.evidence_jpeg),
            )
        )

    def file(self, evidence: EvidenceRecord) -> Path:
        """Where a picture kept in the evidence folder lies (SQLite)."""
        return self._pictures.path(evidence.relative_path)

    def picture(self, evidence: EvidenceRecord) -> bytes:
        """The evidence picture as stored; FileNotFoundError when it is gone. Callers check the hash."""
        with self._sessions() as session:
            content = session.scalar(select(EvidenceRow.content).where(EvidenceRow.id == evidence.id))
        if content is not None:
            return content
        return self._pictures.read(evidence.relative_path)
