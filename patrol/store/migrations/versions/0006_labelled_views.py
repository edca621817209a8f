"""Labelled reference views: pictures of a camera an administrator names for a rule to compare
looks with (a gate closed and open).

Revision ID: 0006_labelled_views
Revises: 0005_county_state
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_labelled_views"
down_revision = "0005_county_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "labelled_views",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"]),
        sa.PrimaryKeyConstraint("camera_id", "label"),
    )


def downgrade() -> None:
    op.drop_table("labelled_views")
