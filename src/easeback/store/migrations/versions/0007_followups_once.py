"""A session's pain stop, or rise in pain, is followed up once: a unique index on the
follow-ups of a session by kind (two writers could each check, then both write).
Follow-ups written twice before are kept once, the first.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM followups WHERE session_id IS NOT NULL AND id NOT IN ("
        "SELECT MIN(id) FROM followups WHERE session_id IS NOT NULL "
        "GROUP BY session_id, kind)"
    )
    op.create_index(
        "ux_followups_session_kind",
        "followups",
        ["session_id", "kind"],
        unique=True,
        sqlite_where=sa.text("session_id IS NOT NULL"),
        postgresql_where=sa.text("session_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ux_followups_session_kind", "followups")
