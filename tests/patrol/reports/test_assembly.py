"""What a report and a notice hold, gathered from a real store: the period's findings of one
jurisdiction with their hazards, masked summaries, and documents that survive a lost picture."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from patrol.hazards import EscalationLevel, HazardNotFound, HazardRecord, HazardRegister
from patrol.reports.assembly import count_findings, notice_facts, report_data
from patrol.reports.documents import ReportData
from patrol.store import Store, sqlite_url
from streams.redact import MASK, Secrets
from tests.api.support import DECIDED_AT, T0, Site, populate

NORTH = {"north"}
# A secret that appears in an event's summary ("loitering on north-gate").
SECRETS = Secrets.of(["north-gate"])


def tagged(group: str, value: str) -> str:
    return f"{group}:{value}"


def hazard_on(site: Site) -> tuple[HazardRegister, HazardRecord]:
    """The register over the site's store, with the confirmed event b registered as a hazard."""
    register = HazardRegister(site.store)
    hazard = register.create(
        site.b.id,
        level=EscalationLevel.NOTICE,
        deadline=DECIDED_AT + timedelta(days=3),
        owner="王校长",
        by="supervisor",
        now=DECIDED_AT,
    )
    return register, hazard


def north_report(site: Site, register: HazardRegister) -> ReportData:
    # From minute 5: event a (minutes 0 to 10) overlaps the period but was first seen before it.
    return report_data(
        site.store,
        register,
        since=T0 + timedelta(minutes=5),
        until=T0 + timedelta(days=1),
        now=DECIDED_AT,
        timezone="Asia/Shanghai",
        school_ids=NORTH,
        issuer="北关派出所",
        secrets=SECRETS,
        label=tagged,
    )


def test_a_report_holds_the_findings_first_seen_in_the_period_in_the_jurisdiction_oldest_first(
    store: Store,
) -> None:
    site = populate(store)
    register, hazard = hazard_on(site)

    data = north_report(site, register)

    assert [row.event_id for row in data.findings] == [site.b.id, site.e.id]
    b, e = data.findings
    assert (b.school, b.camera, b.type, b.decision) == (
        "北关小学",
        "北门外",
        "type:loitering",
        "status:confirmed",
    )
    assert (b.hazard_state, b.reference_number) == ("hazard_state:notified", hazard.reference_number)
    assert b.summary == f"loitering on {MASK}"
    assert b.thumbnail == store.evidence_picture(site.b.evidence[0])
    assert (e.hazard_state, e.reference_number, e.clearance_hours) == ("", "", None)
    assert data.school_names == {"north": "北关小学"}
    assert data.issuer == "北关派出所"
    # Counted the way the route refuses a report too large: every event overlapping the period.
    assert count_findings(store, T0 + timedelta(minutes=5), T0 + timedelta(days=1), school_ids=NORTH) == 3


def test_a_notice_holds_its_hazards_facts_and_is_not_found_outside_the_jurisdiction(store: Store) -> None:
    site = populate(store)
    register, hazard = hazard_on(site)

    facts = notice_facts(store, register, hazard.id, school_ids=NORTH, issuer="北关派出所", secrets=SECRETS)

    assert facts.hazard == hazard
    assert (facts.school_name, facts.camera_name, facts.issuer) == ("北关小学", "北门外", "北关派出所")
    assert facts.summary == f"loitering on {MASK}"
    assert facts.first_seen == site.b.first_seen
    assert list(facts.evidence_jpegs) == [store.evidence_picture(e) for e in site.b.evidence[:3]]
    with pytest.raises(HazardNotFound):
        notice_facts(store, register, hazard.id, school_ids={"south"}, issuer="南街派出所", secrets=SECRETS)


def test_a_lost_picture_leaves_the_documents_without_it(tmp_path: Path) -> None:
    """SQLite keeps pictures as files in the evidence folder, where one may go missing."""
    store = Store(sqlite_url(tmp_path), tmp_path / "evidence")
    store.create_schema()
    try:
        site = populate(store)
        register, hazard = hazard_on(site)
        store.evidence_file(site.b.evidence[0]).unlink()

        rows = {row.event_id: row for row in north_report(site, register).findings}
        facts = notice_facts(
            store, register, hazard.id, school_ids=NORTH, issuer="北关派出所", secrets=SECRETS
        )
    finally:
        store.close()
    assert rows[site.b.id].thumbnail is None
    assert rows[site.e.id].thumbnail is not None
    assert list(facts.evidence_jpegs) == []
