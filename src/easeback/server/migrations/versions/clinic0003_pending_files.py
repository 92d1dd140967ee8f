"""Prescription files waiting for the patient's "Do you know this clinician?", kept in
the database so that any app server can take the answer.

Revision ID: clinic0003
Revises: clinic0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "clinic0003"
down_revision = "clinic0002"
branch_labels = None
depends_on = None

SCHEMA = "clinic"


def upgrade() -> None:
    op.create_table(
        "pending_files",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("owner_hash", sa.String(64), nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("expires_utc", sa.DateTime, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_pending_files_owner_hash", "pending_files", ["owner_hash"], schema=SCHEMA)
    op.create_index("ix_pending_files_expires_utc", "pending_files", ["expires_utc"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("pending_files", schema=SCHEMA)
