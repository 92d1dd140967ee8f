"""Sessions, their events, and consents.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("routine", sa.String(60), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("timeline", sa.Text, nullable=False),
        sa.Column("total_ms", sa.Integer, nullable=False),
        sa.Column("speed", sa.Float, nullable=False),
        sa.Column("rehearsal", sa.Boolean, nullable=False),
        sa.Column("started_utc", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("player", sa.String(16), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("phase_index", sa.Integer, nullable=False),
        sa.Column("phase_kind", sa.String(16), nullable=False),
        sa.Column("stretch", sa.String(40)),
        sa.Column("side", sa.String(8)),
        sa.Column("direction", sa.String(8)),
        sa.Column("rep", sa.Integer),
        sa.Column("position_ms", sa.Integer, nullable=False),
        sa.Column("offset_ms", sa.Integer, nullable=False),
        sa.Column("wall_utc", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.UniqueConstraint("session_id", "seq"),
    )
    op.create_index("ix_events_session_id", "events", ["session_id"])
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("wording", sa.String(16), nullable=False),
        sa.Column("given_utc", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("consents")
    op.drop_index("ix_events_session_id", "events")
    op.drop_table("events")
    op.drop_table("sessions")
