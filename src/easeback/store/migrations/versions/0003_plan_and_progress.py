"""Day settings, progression snapshots and dose changes, calendar files, session slots.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("slot", sa.String(16)))
        batch.add_column(sa.Column("plan_date", sa.String(10)))
    op.create_index("ix_sessions_plan_date", "sessions", ["plan_date"])
    op.create_table(
        "day_settings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("wake", sa.String(5), nullable=False),
        sa.Column("bed", sa.String(5), nullable=False),
        sa.Column("work_start", sa.String(5)),
        sa.Column("work_end", sa.String(5)),
        sa.Column("work_days", sa.String(27), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
    )
    op.create_table(
        "progress",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id")),
        sa.Column("state", sa.Text, nullable=False),
    )
    op.create_table(
        "dose_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id")),
        sa.Column("stretch", sa.String(40), nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("old", sa.Integer, nullable=False),
        sa.Column("new", sa.Integer, nullable=False),
        sa.Column("direction", sa.String(4), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_table(
        "calendar_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("path", sa.Text, nullable=False, unique=True),
        sa.Column("at_utc", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("calendar_files")
    op.drop_table("dose_changes")
    op.drop_table("progress")
    op.drop_table("day_settings")
    op.drop_index("ix_sessions_plan_date", "sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("plan_date")
        batch.drop_column("slot")
