"""Client-made diary entry ids, so an entry written offline and sent again is stored once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("diary_entries") as batch:
        batch.add_column(sa.Column("client_id", sa.String(36)))
    op.create_index("ux_diary_entries_client_id", "diary_entries", ["client_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_diary_entries_client_id", "diary_entries")
    with op.batch_alter_table("diary_entries") as batch:
        batch.drop_column("client_id")
