"""Retention: old looks, and the evidence pictures of long-dismissed events, deleted in short batches.

Events, decisions, hazards, hazard history, on-demand patrols, camera references and the audit log
are never deleted here. Of the looks, two kinds stay whatever their age: the latest look of each
camera (the dashboard's camera health reads it) and a look that proves a hazard cleared.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from patrol.store.tables import CameraStatusRow, EventRow, EvidenceRow, HazardRow, LookRow
from patrol.types import EventStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionPolicy:
    looks_older_than: timedelta | None = None
    dismissed_evidence_older_than: timedelta | None = None
    batch_size: int = 5000

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")

    @property
    def deletes_anything(self) -> bool:
        return self.looks_older_than is not None or self.dismissed_evidence_older_than is not None


@dataclass(frozen=True)
class PruneReport:
    dry_run: bool
    looks: int
    looks_before: datetime | None
    evidence: int
    evidence_bytes: int
    evidence_before: datetime | None
    batches: int

    def describe(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        lines = []
        if self.looks_before is None:
            lines.append("looks: kept (retention.looks_days not set)")
        else:
            lines.append(f"looks: {verb} {self.looks} started before {self.looks_before:%Y-%m-%d %H:%M} UTC")
        if self.evidence_before is None:
            lines.append("evidence: kept (retention.dismissed_evidence_days not set)")
        else:
            lines.append(
                f"evidence: {verb} {self.evidence} pictures ({self.evidence_bytes / 1024:.0f} KiB) of events "
                f"dismissed before {self.evidence_before:%Y-%m-%d %H:%M} UTC"
            )
        if not self.dry_run:
            lines.append(f"in {self.batches} batches")
        return "\n".join(lines)


def prune(
    sessions: sessionmaker[Session],
    evidence_dir: Path,
    policy: RetentionPolicy,
    now: datetime,
    *,
    dry_run: bool = False,
    pause: Callable[[], None] = lambda: None,
) -> PruneReport:
    """Delete what `policy` says has aged out as of `now` (count it only, with `dry_run`).

    Each batch is its own transaction of at most `policy.batch_size` rows, so the patrol and the
    API write between batches; `pause` runs after each (a running service yields there).
    """
    looks_before = now - policy.looks_older_than if policy.looks_older_than else None
    evidence_before = (
        now - policy.dismissed_evidence_older_than if policy.dismissed_evidence_older_than else None
    )
    looks = evidence = evidence_bytes = batches = 0
    if looks_before is not None:
        keep = _kept_looks(sessions)
        if dry_run:
            looks = _count_old_looks(sessions, looks_before, keep)
        else:
            after = 0
            # Keyset pages in id order: each page is an index range scan, never a rescan from the start.
            while ids := _old_look_page(sessions, looks_before, after, policy.batch_size):
                after = ids[-1]
                doomed = [look_id for look_id in ids if look_id not in keep]
                if doomed:
                    with sessions.begin() as session:
                        session.execute(delete(LookRow).where(LookRow.id.in_(doomed)))
                    looks += len(doomed)
                    batches += 1
                    pause()
    if evidence_before is not None:
        pictures = _dismissed_evidence(evidence_before)
        if dry_run:
            for path, stored in _paths_by_id(sessions, pictures, None).values():
                evidence += 1
                evidence_bytes += _size(evidence_dir / path) if stored is None else stored
        else:
            while rows := _paths_by_id(sessions, pictures, policy.batch_size):
                with sessions.begin() as session:
                    session.execute(delete(EvidenceRow).where(EvidenceRow.id.in_(list(rows))))
                # The rows are gone first: a crash between leaves an unreferenced file, never a
                # row whose picture is missing.
                for path, stored in rows.values():
                    evidence_bytes += _unlink(evidence_dir / path) if stored is None else stored
                evidence += len(rows)
                batches += 1
                pause()
    report = PruneReport(dry_run, looks, looks_before, evidence, evidence_bytes, evidence_before, batches)
    if not dry_run and (looks or evidence):
        log.info("retention: %s", report.describe().replace("\n", "; "))
    return report


def _kept_looks(sessions: sessionmaker[Session]) -> frozenset[int]:
    """The latest look of each camera, and every look that proves a hazard cleared."""
    # camera_status holds each camera's latest look: no scan of `looks` to find them.
    latest = select(CameraStatusRow.last_look_id)
    proving = select(HazardRow.evidence_look_id).where(HazardRow.evidence_look_id.is_not(None))
    with sessions() as session:
        return frozenset(session.scalars(latest)) | frozenset(session.scalars(proving))


def _count_old_looks(sessions: sessionmaker[Session], before: datetime, keep: frozenset[int]) -> int:
    with sessions() as session:
        # count(*), not count(id): answered from the index on started_at alone.
        old = int(
            session.scalar(select(func.count()).select_from(LookRow).where(LookRow.started_at < before)) or 0
        )
        kept = sum(
            int(
                session.scalar(
                    select(func.count())
                    .select_from(LookRow)
                    .where(LookRow.started_at < before, LookRow.id.in_(chunk))
                )
                or 0
            )
            for chunk in _chunks(sorted(keep))
        )
    return old - kept


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    # Under the 999 variables an old SQLite allows in one statement.
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _old_look_page(sessions: sessionmaker[Session], before: datetime, after: int, size: int) -> list[int]:
    query = (
        select(LookRow.id)
        .where(LookRow.started_at < before, LookRow.id > after)
        .order_by(LookRow.id)
        .limit(size)
    )
    with sessions() as session:
        return list(session.scalars(query))


def _dismissed_evidence(before: datetime) -> Select[int, str, int | None]:
    dismissed = select(EventRow.id).where(
        EventRow.status == EventStatus.DISMISSED.value, EventRow.decided_at < before
    )
    return (
        select(EvidenceRow.id, EvidenceRow.relative_path, func.length(EvidenceRow.content))
        .where(EvidenceRow.event_id.in_(dismissed))
        .order_by(EvidenceRow.id)
    )


def _paths_by_id(
    sessions: sessionmaker[Session], query: Select[int, str, int | None], size: int | None
) -> dict[int, tuple[str, int | None]]:
    """Evidence rows by id: the picture's file, and its size where the row holds the picture itself."""
    with sessions() as session:
        return {row_id: (path, stored) for row_id, path, stored in session.execute(query.limit(size))}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _unlink(path: Path) -> int:
    size = _size(path)
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("retention: cannot delete %s: %s", path.name, exc)
        return 0
    return size


class DailyPrune:
    """Runs `prune_once` a while after start and then once a day, in a thread of its own."""

    def __init__(
        self, prune_once: Callable[[Callable[[], None]], PruneReport], *, first_after_s: float, every_s: float
    ) -> None:
        self._prune_once = prune_once
        self._first_after_s = first_after_s
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        delay = self._first_after_s
        while not self._stop.wait(delay):
            try:
                self._prune_once(self._between_batches)
            except _Stopping:
                return
            except Exception:  # a failed prune is tried again tomorrow; the patrol goes on
                log.exception("retention: prune failed")
            delay = self._every_s

    def _between_batches(self) -> None:
        # A breath between batches for the patrol's and the API's writes; a stop ends the prune.
        if self._stop.wait(0.05):
            raise _Stopping


class _Stopping(Exception):
    pass
