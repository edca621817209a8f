"""Retention deletes old looks and the evidence of long-dismissed events, in batches, and nothing
else: events, decisions, hazards and the audit log stay whole."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from patrol.cli import main
from patrol.hazards import EscalationLevel, HazardRegister
from patrol.records import AuditEntry, EvidenceRecord, LookRecord
from patrol.store import Store
from patrol.store.retention import RetentionPolicy
from patrol.store.tables import (
    AuditRow,
    DecisionRow,
    EventRow,
    EvidenceRow,
    HazardRow,
    HazardTransitionRow,
    LookRow,
)
from patrol.types import AuditAction, EventStatus, EventType, LookKind, LookOutcome
from tests.api.support import T0, finding, populate

NOW = T0 + timedelta(days=60)
POLICY = RetentionPolicy(
    looks_older_than=timedelta(days=30), dismissed_evidence_older_than=timedelta(days=30), batch_size=2
)


def _look(store: Store, camera: str, at: timedelta) -> int:
    started = T0 + at
    return store.record_look(LookRecord(camera, LookKind.RANDOM, started, started, LookOutcome.OK))


def _counts(store: Store) -> dict[str, int]:
    with store.database.sessions() as session:
        return {
            row.__tablename__: int(session.scalar(select(func.count()).select_from(row)) or 0)
            for row in (EventRow, DecisionRow, HazardRow, HazardTransitionRow, AuditRow, LookRow, EvidenceRow)
        }


def _look_ids(store: Store) -> set[int]:
    with store.database.sessions() as session:
        return set(session.scalars(select(LookRow.id)))


def test_prune_deletes_what_aged_out_in_batches_and_keeps_the_record(store: Store) -> None:
    site = populate(store)
    # Old looks of two cameras, one of which then fell silent; recent looks of the first.
    old_booth = [_look(store, "north-booth", timedelta(days=1, minutes=m)) for m in range(5)]
    recent = [_look(store, "north-booth", timedelta(days=59, minutes=m)) for m in range(2)]
    old_gate = [_look(store, "south-gate", timedelta(days=2, minutes=m)) for m in range(3)]
    # A hazard cleared by an old look: that look is its proof and stays.
    register = HazardRegister(store)
    hazard = register.create(
        site.b.id,
        level=EscalationLevel.NOTICE,
        deadline=T0 + timedelta(days=3),
        owner="校长",
        by="sup",
        now=T0,
    )
    with store.database.sessions.begin() as session:
        session.execute(
            update(HazardRow).where(HazardRow.id == hazard.id).values(evidence_look_id=old_booth[0])
        )
    store.append_audit(AuditEntry(T0, "officer", "officer", AuditAction.LOGIN))
    # Dismissed a day ago: its evidence is young and stays.
    young = store.record_finding(
        finding("north-gate", EventType("guard_absent"), NOW - timedelta(days=2), 70)
    )
    store.decide(young.id, EventStatus.DISMISSED, "家长", NOW - timedelta(days=1))
    old_pictures = list(store.get_event(site.c.id).evidence)
    kept_pictures = [e for event in (site.a, site.b, young) for e in store.get_event(event.id).evidence]
    assert old_pictures and kept_pictures and all(_kept(store, p) for p in old_pictures + kept_pictures)
    old_bytes = sum(len(store.evidence_picture(p)) for p in old_pictures)
    before = _counts(store)

    dry = store.prune(POLICY, NOW, dry_run=True)
    # The latest look of each camera and the hazard's proof stay, whatever their age.
    expected_gone = set(old_booth[1:] + old_gate[:-1])
    assert (dry.looks, dry.evidence, dry.batches) == (len(expected_gone), len(old_pictures), 0)
    assert dry.evidence_bytes == old_bytes > 0
    assert _counts(store) == before and all(_kept(store, p) for p in old_pictures)
    assert "would delete 6 started before" in dry.describe()

    done = store.prune(POLICY, NOW)
    assert (done.looks, done.evidence) == (dry.looks, dry.evidence)
    # Pages of two old looks each, less the kept ones (four pages), then one page of pictures.
    assert done.batches == 4 + 1
    assert _look_ids(store) == {old_booth[0], *recent, old_gate[-1]}
    assert not any(_kept(store, p) for p in old_pictures) and all(_kept(store, p) for p in kept_pictures)
    assert not any(store.evidence_file(p).exists() for p in old_pictures)
    after = _counts(store)
    for table in ("events", "decisions", "hazards", "hazard_transitions", "audit_log"):
        assert after[table] == before[table], table
    assert after["evidence"] == before["evidence"] - len(old_pictures)
    # The dismissed event itself is all there, less its pictures.
    event = store.get_event(site.c.id)
    assert (event.status, event.evidence) == (EventStatus.DISMISSED, ())
    assert len(store.decisions(site.c.id)) == 1

    again = store.prune(POLICY, NOW)
    assert (again.looks, again.evidence, again.batches) == (0, 0, 0)


def test_without_a_policy_nothing_is_deleted(store: Store) -> None:
    populate(store)
    _look(store, "north-booth", timedelta(days=-400))
    _look(store, "north-booth", timedelta(days=-399))
    before = _counts(store)
    report = store.prune(RetentionPolicy(), NOW)
    assert (report.looks, report.evidence) == (0, 0)
    assert _counts(store) == before
    assert "kept (retention.looks_days not set)" in report.describe()


def test_the_prune_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\n"
        "schools: [{id: s1, name: School 1}]\n"
        "cameras: []\n"
        "retention: {looks_days: 30, dismissed_evidence_days: 90}\n",
        encoding="utf-8",
    )
    assert main(["db", "prune", "--dry-run", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "looks: would delete 0 started before" in out
    assert "evidence: would delete 0 pictures (0 KiB) of events dismissed before" in out
    assert main(["db", "prune", "--config", str(config)]) == 0
    assert "in 0 batches" in capsys.readouterr().out


def _kept(store: Store, evidence: EvidenceRecord) -> bool:
    try:
        store.evidence_picture(evidence)
    except FileNotFoundError:
        return False
    return True
