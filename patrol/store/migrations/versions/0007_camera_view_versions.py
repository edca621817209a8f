"""Camera view versions: every saved change of an imported camera's zones, lines and rules, with
who saved it, when, and the view before and after, so a change can be rolled back.

Revision ID: 0007_camera_view_versions
Revises: 0006_labelled_views
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_camera_view_versions"
down_revision = "0006_labelled_views"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_view_versions",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by", sa.String(length=64), nullable=False),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"]),
        sa.PrimaryKeyConstraint("camera_id", "version"),
    )


def downgrade() -> None:
    op.drop_table("camera_view_versions")
