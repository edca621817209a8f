"""County state: camera memory, looks answered by planner order, pictures in the database.

Revision ID: 0005_county_state
Revises: 0004_imported_cameras
Create Date: 2026-12-02

Looks run on many workers: each camera's rule memory is kept in the database, each look records
the planner order it answered (so a redelivered order is not run twice), and evidence and
reference pictures may be kept in the database, where every machine can read them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_county_state"
down_revision = "0004_imported_cameras"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_memory",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("memory", sa.LargeBinary(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("follow_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"]),
        sa.PrimaryKeyConstraint("camera_id"),
    )
    with op.batch_alter_table("looks") as looks:
        looks.add_column(sa.Column("visit_id", sa.String(length=36), nullable=True))
    op.create_index("ix_looks_visit_id", "looks", ["visit_id"], unique=True)
    with op.batch_alter_table("evidence") as evidence:
        evidence.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("camera_references") as references:
        references.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("camera_references") as references:
        references.drop_column("content")
    with op.batch_alter_table("evidence") as evidence:
        evidence.drop_column("content")
    op.drop_index("ix_looks_visit_id", table_name="looks")
    with op.batch_alter_table("looks") as looks:
        looks.drop_column("visit_id")
    op.drop_table("camera_memory")
