"""What a period report and a rectification notice hold, read from the store for one jurisdiction
(`school_ids`): the routes parse, authorise and serialise; the facts are gathered here."""

from __future__ import annotations

from datetime import datetime

from patrol.hazards import HazardRegister
from patrol.records import EventRecord
from patrol.reports.documents import FindingRow, Labeller, NoticeFacts, ReportData
from patrol.reports.statistics import Statistics, compute, previous_period
from patrol.store import SchoolScope, Store
from streams.redact import Secrets

# The most findings a report is built from: the bound of api.report_max_findings.
MAX_FINDINGS = 1_000_000
# A notice shows the first few pictures of its event's evidence.
NOTICE_PICTURES = 3


def period_statistics(
    store: Store, since: datetime, until: datetime, *, now: datetime, school_ids: SchoolScope, timezone: str
) -> tuple[Statistics, Statistics]:
    """The period's statistics, and those of the period of the same length just before it."""
    current = compute(store, since, until, now=now, school_ids=school_ids, timezone=timezone)
    previous = compute(
        store, *previous_period(since, until), now=now, school_ids=school_ids, timezone=timezone
    )
    return current, previous


def count_findings(store: Store, since: datetime, until: datetime, *, school_ids: SchoolScope) -> int:
    """The events overlapping the period: one query, so a report too large to make is refused
    before anything is built."""
    _, count = store.list_events(since=since, until=until, limit=0, school_ids=school_ids)
    return count


def report_data(
    store: Store,
    hazards: HazardRegister,
    *,
    since: datetime,
    until: datetime,
    now: datetime,
    timezone: str,
    school_ids: SchoolScope,
    issuer: str,
    secrets: Secrets,
    label: Labeller,
    thumbnails: bool = True,
) -> ReportData:
    """The report of the findings first seen in [since, until), oldest first, with each one's
    hazard, and its first evidence picture when `thumbnails` (a CSV shows none)."""
    current, previous = period_statistics(
        store, since, until, now=now, school_ids=school_ids, timezone=timezone
    )
    events, _ = store.list_events(since=since, until=until, limit=MAX_FINDINGS, school_ids=school_ids)
    by_event = {h.event_id: h for h in hazards.list(now=now, school_ids=school_ids)}
    schools = {s.id: s.name for s in store.list_schools(school_ids=school_ids)}
    cameras = {c.id: c.name for c in store.list_cameras(school_ids=school_ids)}
    rows = []
    for event in sorted(
        (e for e in events if since <= e.first_seen < until), key=lambda e: (e.first_seen, e.id)
    ):
        hazard = by_event.get(event.id)
        pictures = _pictures(store, event, 1) if thumbnails else []
        rows.append(
            FindingRow(
                event_id=event.id,
                first_seen=event.first_seen,
                school=schools.get(event.school_id, event.school_id),
                camera=cameras.get(event.camera_id, event.camera_id),
                type=label("type", event.type.value),
                summary=secrets.mask(event.summary),
                decision=label("status", event.status.value),
                hazard_state=label("hazard_state", hazard.state.value) if hazard else "",
                reference_number=hazard.reference_number if hazard else "",
                clearance_hours=(hazard.cleared_at - event.first_seen).total_seconds() / 3600
                if hazard and hazard.cleared_at
                else None,
                thumbnail=pictures[0] if pictures else None,
            )
        )
    return ReportData(issuer, timezone, current, previous, rows, schools)


def notice_facts(
    store: Store,
    hazards: HazardRegister,
    hazard_id: int,
    *,
    school_ids: SchoolScope,
    issuer: str,
    secrets: Secrets,
) -> NoticeFacts:
    """The facts of one hazard's rectification notice (HazardNotFound outside `school_ids`)."""
    hazard = hazards.get(hazard_id, school_ids=school_ids)
    event = store.get_event(hazard.event_id)
    schools = {s.id: s.name for s in store.list_schools()}
    camera = store.get_camera(hazard.camera_id)
    return NoticeFacts(
        hazard=hazard,
        school_name=schools.get(hazard.school_id, hazard.school_id),
        camera_name=camera.name,
        issuer=issuer,
        summary=secrets.mask(event.summary),
        first_seen=event.first_seen,
        evidence_jpegs=_pictures(store, event, NOTICE_PICTURES),
    )


def _pictures(store: Store, event: EventRecord, most: int) -> list[bytes]:
    """The event's first evidence pictures; a lost file leaves the document without that picture,
    not unissued."""
    pictures = []
    for evidence in event.evidence[:most]:
        try:
            pictures.append(store.evidence_picture(evidence))
        except OSError:
            continue
    return pictures
