"""The store: one repository per aggregate over one Database, behind the door callers have always used."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from patrol.store.audit import AuditRepository
from patrol.store.camera_memory import CameraMemoryRepository
from patrol.store.database import Database
from patrol.store.decisions import DecisionRepository
from patrol.store.events import EventRepository
from patrol.store.evidence import EvidenceRepository
from patrol.store.labelled_views import LabelledViews
from patrol.store.looks import LookRepository
from patrol.store.on_demand import OnDemandRepository
from patrol.store.pictures import Pictures
from patrol.store.references import ReferenceRepository
from patrol.store.retention import PruneReport, RetentionPolicy, prune
from patrol.store.sites import SiteRepository
from patrol.store.statistics import StatisticsRepository


class Store:
    """The repositories, each with one job, and under the names callers use their methods.

    Hazards and accounts have repositories here too (patrol.store.hazards, .accounts,
    .login_throttle); their domain packages build them from `database`, since those read the
    domain packages' values.
    """

    def __init__(self, url: str, evidence_dir: Path) -> None:
        self.database = Database(url)
        self.evidence_dir = evidence_dir
        self.pictures_in_database = self.database.is_shared
        pictures = Pictures(evidence_dir, in_database=self.pictures_in_database)

        self.sites = SiteRepository(self.database)
        self.looks = LookRepository(self.database)
        self.camera_memories = CameraMemoryRepository(self.database)
        self.references = ReferenceRepository(self.database, pictures)
        self.evidence = EvidenceRepository(self.database, pictures)
        self.events = EventRepository(self.database, self.evidence)
        self.event_decisions = DecisionRepository(self.database)
        self.audit = AuditRepository(self.database)
        self.on_demand = OnDemandRepository(self.database)
        self.statistics = StatisticsRepository(self.database)

        self.add_listener = self.database.add_listener
        self.announce = self.database.announce
        self.close = self.database.close

        self.sync_sites = self.sites.sync
        self.list_schools = self.sites.list_schools
        self.list_cameras = self.sites.list_cameras
        self.get_camera = self.sites.get_camera
        self.camera_health = self.sites.camera_health

        self.record_look = self.looks.record
        self.look_answered = self.looks.answered
        self.last_looked = self.looks.last_looked
        self.count_looks = self.looks.count
        self.looks_of_camera = self.looks.of_camera
        self.camera_memory = self.camera_memories.get
        self.follow_ups_wanted = self.camera_memories.follow_ups_wanted

        self.get_reference = self.references.get
        self.set_reference = self.references.set
        self.reset_reference = self.references.reset
        self.views = LabelledViews(self.database)
        self.labelled_views = self.views.jpegs

        self.record_finding = self.events.record_finding
        self.end_condition = self.events.end_condition
        self.list_events = self.events.page
        self.get_event = self.events.get
        self.event_versions = self.events.versions
        self.open_counts = self.events.open_counts
        self.schools_with_open_hazards = self.events.schools_with_open_hazards
        self.evidence_file = self.evidence.file
        self.evidence_picture = self.evidence.picture

        self.decide = self.event_decisions.decide
        self.revise = self.event_decisions.revise
        self.decisions = self.event_decisions.history

        self.append_audit = self.audit.append
        self.list_audit = self.audit.list

        self.record_on_demand = self.on_demand.record
        self.complete_on_demand = self.on_demand.complete
        self.get_on_demand = self.on_demand.get
        self.list_on_demand = self.on_demand.list

    @property
    def engine(self) -> Engine:
        return self.database.engine

    def create_schema(self) -> None:
        """A fresh database's tables without running the migrations (tests, scratch databases).

        Processes that serve a county call patrol.store.schema.prepare_schema instead.
        """
        from patrol.store.schema import Migrations

        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        Migrations(self.engine).create_all_at_head()

    def prune(
        self,
        policy: RetentionPolicy,
        now: datetime,
        *,
        dry_run: bool = False,
        pause: Callable[[], None] = lambda: None,
    ) -> PruneReport:
        """Delete aged looks and dismissed events' evidence in batches (patrol.store.retention)."""
        return prune(self.database.sessions, self.evidence_dir, policy, now, dry_run=dry_run, pause=pause)
