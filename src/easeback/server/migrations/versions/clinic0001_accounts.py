"""The clinic's accounts, logins, invitations, refused logins and audit log.

Revision ID: clinic0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "clinic0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "clinic"


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("clinician_id", sa.String(32), sa.ForeignKey(f"{SCHEMA}.accounts.id")),
        sa.Column("created_utc", sa.DateTime, nullable=False),
        sa.Column("disabled_utc", sa.DateTime),
        schema=SCHEMA,
    )
    op.create_index("ix_accounts_clinician_id", "accounts", ["clinician_id"], schema=SCHEMA)
    op.create_table(
        "invites",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("made_by", sa.String(32), sa.ForeignKey(f"{SCHEMA}.accounts.id"), nullable=False),
        sa.Column("created_utc", sa.DateTime, nullable=False),
        sa.Column("expires_utc", sa.DateTime, nullable=False),
        sa.Column("used_utc", sa.DateTime),
        sa.Column("account_id", sa.String(32), sa.ForeignKey(f"{SCHEMA}.accounts.id")),
        schema=SCHEMA,
    )
    op.create_index("ix_invites_made_by", "invites", ["made_by"], schema=SCHEMA)
    op.create_table(
        "logins",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "account_id", sa.String(32), sa.ForeignKey(f"{SCHEMA}.accounts.id"), nullable=False
        ),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_utc", sa.DateTime, nullable=False),
        sa.Column("expires_utc", sa.DateTime, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_logins_account_id", "logins", ["account_id"], schema=SCHEMA)
    op.create_index("ix_logins_expires_utc", "logins", ["expires_utc"], schema=SCHEMA)
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_login_failures_key_at", "login_failures", ["key", "at_utc"], schema=SCHEMA)
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_utc", sa.DateTime, nullable=False),
        sa.Column("actor_id", sa.String(32), sa.ForeignKey(f"{SCHEMA}.accounts.id")),
        sa.Column("patient_id", sa.String(32)),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("address", sa.String(64)),
        schema=SCHEMA,
    )
    op.create_index("ix_audit_patient_at", "audit", ["patient_id", "at_utc"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("audit", "login_failures", "logins", "invites", "accounts"):
        op.drop_table(table, schema=SCHEMA)
