"""Who changes the cameras (an import, an edited view): named in the audit log and the rows written."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    jurisdiction_id: str | None = None
    client: str = ""
