"""The devices a patient linked for sync, and the erasures of patients' records made
on request (issue 14).

Revision ID: clinic0004
Revises: clinic0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "clinic0004"
down_revision = "clinic0003"
branch_labels = None
depends_on = None

SCHEMA = "clinic"


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "account_id", sa.String(32), sa.ForeignKey(f"{SCHEMA}.accounts.id"), nullable=False
        ),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_utc", sa.DateTime, nullable=False),
        sa.Column("last_seen_utc", sa.DateTime),
        sa.Column("revoked_utc", sa.DateTime),
        sa.Column("revoked_by", sa.String(32), sa.ForeignKey(f"{SCHEMA}.accounts.id")),
        schema=SCHEMA,
    )
    op.create_index("ix_devices_account_id", "devices", ["account_id"], schema=SCHEMA)
    op.create_table(
        "erasures",
        sa.Column(
            "account_id", sa.String(32), sa.ForeignKey(f"{SCHEMA}.accounts.id"), primary_key=True
        ),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("by_account", sa.String(32), sa.ForeignKey(f"{SCHEMA}.accounts.id")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("erasures", schema=SCHEMA)
    op.drop_table("devices", schema=SCHEMA)
