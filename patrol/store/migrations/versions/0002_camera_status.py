"""Camera status: each camera's latest look and latest good look, kept with every look.

Revision ID: 0002_camera_status
Revises: 0001_baseline
Create Date: 2026-12-02

The dashboard's camera health read the latest look of every camera with a GROUP BY over the
whole `looks` table; this table holds the answer instead. Filled once here from `looks`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_camera_status"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_status",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("last_look_id", sa.Integer(), nullable=False),
        sa.Column("last_look_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_outcome", sa.String(length=16), nullable=False),
        sa.Column("last_ok_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"]),
        sa.PrimaryKeyConstraint("camera_id"),
    )
    op.execute(
        "INSERT INTO camera_status (camera_id, last_look_id, last_look_at, last_outcome, last_ok_at) "
        "SELECT latest.camera_id, latest.id, latest.finished_at, latest.outcome, "
        "(SELECT max(ok.finished_at) FROM looks ok WHERE ok.camera_id = latest.camera_id AND ok.outcome = 'ok') "
        "FROM looks latest WHERE latest.id IN (SELECT max(id) FROM looks GROUP BY camera_id)"
    )


def downgrade() -> None:
    op.drop_table("camera_status")
