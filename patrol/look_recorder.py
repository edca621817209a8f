"""A look's report into the store: findings open or extend events, cleared conditions end them
and clear their hazards, and the look itself is recorded."""

from __future__ import annotations

import logging
from datetime import datetime

from patrol.hazards import HazardRegister
from patrol.look import LookReport
from patrol.metrics import PatrolMetrics
from patrol.records import CameraMemory, LookRecord
from patrol.store import Store
from patrol.types import LookKind, LookOutcome

log = logging.getLogger(__name__)


class LookRecorder:
    def __init__(self, store: Store, hazards: HazardRegister, metrics: PatrolMetrics) -> None:
        self._store = store
        self._hazards = hazards
        self._metrics = metrics

    def record(
        self, report: LookReport, *, visit_id: str | None = None, memory: CameraMemory | None = None
    ) -> int:
        """Returns the look's id. The look row comes last, with the camera's memory and the planner
        order it answered: an order redelivered after a crash before it finds no look and runs
        again, extending (never duplicating) the events this one opened."""
        record = report.record
        store = self._store
        if report.new_reference is not None:
            store.set_reference(report.new_reference)
            log.info("camera %s: reference view taken", record.camera_id)
        for finding in report.findings:
            event = store.record_finding(finding)
            log.info(
                "camera %s: %s (event %d, %d looks)", record.camera_id, finding.type, event.id, event.looks
            )
        for event_type in report.cleared:
            ended = store.end_condition(record.camera_id, event_type, record.finished_at)
            if ended is not None:
                log.info("camera %s: %s no longer seen (event %d)", record.camera_id, event_type, ended.id)
        look_id = store.record_look(record, visit_id=visit_id, memory=memory)
        # A look that no longer shows a rule's condition is the evidence that clears its hazards.
        for event_type in report.cleared:
            for hazard in self._hazards.clear_by_look(
                record.camera_id, event_type, record.finished_at, look_id
            ):
                log.info(
                    "camera %s: hazard %d %s by look %d", record.camera_id, hazard.id, hazard.state, look_id
                )
        log.info(
            "look %s at camera %s: %s, %d frames, up to %d persons",
            record.kind,
            record.camera_id,
            record.outcome,
            record.frames,
            record.max_persons,
        )
        self._metrics.observe_look(record)
        return look_id

    def record_failure(
        self, camera_id: str, kind: LookKind, failed_at: datetime, *, visit_id: str | None = None
    ) -> LookRecord:
        """A look that broke inside (a bug, not the camera): still recorded and counted."""
        look = LookRecord(camera_id, kind, failed_at, failed_at, LookOutcome.FAILED, detail="internal error")
        self._store.record_look(look, visit_id=visit_id)
        self._metrics.observe_look(look)
        return look
