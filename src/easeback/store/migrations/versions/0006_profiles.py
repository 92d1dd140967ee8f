"""Who the reports are about: the person's name, date of birth and clinic identifier;
and an index on when sessions started, for finding the few that fill a day's slots.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("name", sa.String(120)),
        sa.Column("birth_date", sa.String(10)),
        sa.Column("clinic_id", sa.String(64)),
    )
    op.create_index("ix_sessions_started_utc", "sessions", ["started_utc"])


def downgrade() -> None:
    op.drop_index("ix_sessions_started_utc", "sessions")
    op.drop_table("profiles")
