"""A clinician's prescriptions: every file imported (kept whole, signed), what the plan
follows (a log of imports and removals), the clinicians the person trusts, flare-ups
with their morning check-ins, and which plan a progression state belongs to.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prescriptions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("imported_utc", sa.DateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("clinician", sa.Text, nullable=False),
        sa.Column("patient", sa.String(200), nullable=False),
        sa.Column("issued_utc", sa.DateTime, nullable=False),
        sa.Column("start", sa.String(10), nullable=False),
        sa.Column("end", sa.String(10)),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("file", sa.Text, nullable=False),
    )
    op.create_table(
        "plan_sources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("prescription_id", sa.String(36), sa.ForeignKey("prescriptions.id")),
        sa.Column("action", sa.String(16), nullable=False),
    )
    op.create_table(
        "trusted_clinicians",
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("at_utc", sa.DateTime, nullable=False),
    )
    op.create_table(
        "flare_ups",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("started_utc", sa.DateTime, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("prescription_id", sa.String(36), sa.ForeignKey("prescriptions.id")),
    )
    op.create_table(
        "flare_checks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("flare_id", sa.String(36), sa.ForeignKey("flare_ups.id"), nullable=False),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
    )
    with op.batch_alter_table("progress") as batch:
        batch.add_column(sa.Column("basis", sa.String(36)))


def downgrade() -> None:
    with op.batch_alter_table("progress") as batch:
        batch.drop_column("basis")
    dropped = ("flare_checks", "flare_ups", "trusted_clinicians", "plan_sources", "prescriptions")
    for name in dropped:
        op.drop_table(name)
