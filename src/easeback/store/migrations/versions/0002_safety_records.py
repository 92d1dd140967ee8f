"""Safety records: screenings, clearances, follow-ups, and pain before/after a session.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("result", sa.String(16)),
        sa.Column("yes", sa.Text, nullable=False),
    )
    op.create_table(
        "clearances",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("cleared_on", sa.String(10), nullable=False),
        sa.Column("cleared_by", sa.String(120)),
    )
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id")),
        sa.Column("settled", sa.Boolean),
        sa.Column("step_back", sa.Boolean, nullable=False),
    )
    op.create_table(
        "pain_ratings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("moment", sa.String(8), nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.UniqueConstraint("session_id", "moment"),
    )
    op.create_index("ix_pain_ratings_session_id", "pain_ratings", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_pain_ratings_session_id", "pain_ratings")
    op.drop_table("pain_ratings")
    op.drop_table("followups")
    op.drop_table("clearances")
    op.drop_table("screenings")
