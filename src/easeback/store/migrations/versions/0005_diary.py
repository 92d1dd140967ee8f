"""The diary: pain entries and notes at any time, PSFS activities and their ratings.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diary_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("pain", sa.Integer),
        sa.Column("note", sa.Text),
        sa.Column("share", sa.Boolean, nullable=False),
    )
    op.create_index("ix_diary_entries_at_utc", "diary_entries", ["at_utc"])
    op.create_table(
        "psfs_activities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("added_utc", sa.DateTime, nullable=False),
        sa.Column("retired_utc", sa.DateTime),
    )
    op.create_table(
        "psfs_ratings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("psfs_activities.id"), nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
    )
    op.create_index("ix_psfs_ratings_activity_id", "psfs_ratings", ["activity_id"])


def downgrade() -> None:
    op.drop_table("psfs_ratings")
    op.drop_table("psfs_activities")
    op.drop_table("diary_entries")
