"""Client-made event ids, so a browser's retried event is stored once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("client_id", sa.String(36)))
    op.create_index("ux_events_client_id", "events", ["client_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_events_client_id", "events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("client_id")
