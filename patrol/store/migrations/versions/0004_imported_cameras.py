"""Imported cameras: cameras read from a registry sheet (`patrol cameras import`) live in the database.

Revision ID: 0004_imported_cameras
Revises: 0003_query_indexes
Create Date: 2026-12-09

Each imported camera has its `cameras` row like any other, and a row here saying how it is
reached (the stream address with ${VAR} placeholders, a user name, the name of the environment
variable holding its password, the ONVIF address it was resolved from) and what it is judged by
(its view: zones, lines and rules, copied from a template), with who imported it and when.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_imported_cameras"
down_revision = "0003_query_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_cameras",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=500), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("credentials", sa.String(length=128), nullable=True),
        sa.Column("onvif_address", sa.String(length=300), nullable=True),
        sa.Column("onvif_profile", sa.String(length=64), nullable=True),
        sa.Column("template", sa.String(length=64), nullable=True),
        sa.Column("view", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"]),
        sa.PrimaryKeyConstraint("camera_id"),
    )


def downgrade() -> None:
    op.drop_table("imported_cameras")
