"""Indexes for the dashboard's event filters and the statistics' look counts.

Revision ID: 0003_query_indexes
Revises: 0002_camera_status
Create Date: 2026-12-02

The events list filters by school, camera, type or status and shows the newest first: one
index per filter, ending in `first_seen`, gives the page in index order (each replaces the
single-column index it starts with). The statistics count each camera's looks by outcome over a
period: (started_at, camera_id, outcome) answers that from the index alone, and replaces the
index on started_at. On PostgreSQL with 25 million looks the new looks index takes minutes to
build, and writes to `looks` wait for it: run the upgrade with the patrol stopped.
"""

from __future__ import annotations

from alembic import op

revision = "0003_query_indexes"
down_revision = "0002_camera_status"
branch_labels = None
depends_on = None

_EVENT_FILTERS = ("school_id", "camera_id", "type", "status")


def upgrade() -> None:
    for column in _EVENT_FILTERS:
        op.create_index(f"ix_events_{column}_first_seen", "events", [column, "first_seen"])
        op.drop_index(f"ix_events_{column}", table_name="events")
    op.create_index("ix_looks_started_at_camera_id_outcome", "looks", ["started_at", "camera_id", "outcome"])
    op.drop_index("ix_looks_started_at", table_name="looks")


def downgrade() -> None:
    op.create_index("ix_looks_started_at", "looks", ["started_at"])
    op.drop_index("ix_looks_started_at_camera_id_outcome", table_name="looks")
    for column in _EVENT_FILTERS:
        op.create_index(f"ix_events_{column}", "events", [column])
        op.drop_index(f"ix_events_{column}_first_seen", table_name="events")
