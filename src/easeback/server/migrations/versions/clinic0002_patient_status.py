"""One summary row per patient for the clinician's list (issue 13, clinician views).

Revision ID: clinic0002
Revises: clinic0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "clinic0002"
down_revision = "clinic0001"
branch_labels = None
depends_on = None

SCHEMA = "clinic"


def upgrade() -> None:
    op.create_table(
        "patient_status",
        sa.Column(
            "patient_id",
            sa.String(32),
            sa.ForeignKey(f"{SCHEMA}.accounts.id"),
            primary_key=True,
        ),
        sa.Column("refreshed_utc", sa.DateTime, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("week_start", sa.String(10)),
        sa.Column("week_done", sa.Integer, nullable=False),
        sa.Column("week_planned", sa.Integer, nullable=False),
        sa.Column("pain_start", sa.Integer),
        sa.Column("pain_now", sa.Integer),
        sa.Column("pain_rising", sa.Boolean, nullable=False),
        sa.Column("last_session_utc", sa.DateTime),
        sa.Column("last_pain_stop_utc", sa.DateTime),
        sa.Column("warning", sa.String(16)),
        sa.Column("flare_until", sa.String(10)),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("patient_status", schema=SCHEMA)
