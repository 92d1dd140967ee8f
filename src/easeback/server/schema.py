"""The clinic's own tables, in the PostgreSQL schema ``clinic``.

Nothing here holds health data: accounts, logins, invitations, refused login
attempts and the audit log of who looked at which patient. Each patient's records
are in their own schema (tenancy.py).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

SCHEMA = "clinic"
metadata = MetaData(schema=SCHEMA)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(32), primary_key=True, comment="uuid4 hex; a patient's names its schema"),
    Column("role", String(16), nullable=False, comment="admin, clinician or patient"),
    Column("email", String(254), nullable=False, unique=True, comment="lower case; the login"),
    Column("name", String(120), nullable=False),
    Column("password_hash", Text, nullable=False, comment="argon2id"),
    Column("clinician_id", String(32), ForeignKey("accounts.id"), index=True),
    Column("created_utc", DateTime, nullable=False),
    Column("disabled_utc", DateTime),
)

invites = Table(
    "invites",
    metadata,
    Column("code_hash", String(64), primary_key=True, comment="keyed hash; the code is shown once"),
    Column("role", String(16), nullable=False, comment="clinician or patient"),
    Column("name", String(120), nullable=False, comment="whom it is for, as its maker typed"),
    Column("made_by", String(32), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("created_utc", DateTime, nullable=False),
    Column("expires_utc", DateTime, nullable=False),
    Column("used_utc", DateTime),
    Column("account_id", String(32), ForeignKey("accounts.id")),
)

logins = Table(
    "logins",
    metadata,
    Column("token_hash", String(64), primary_key=True, comment="keyed hash of the cookie"),
    Column("account_id", String(32), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_utc", DateTime, nullable=False),
    Column("expires_utc", DateTime, nullable=False, index=True),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, comment="account:EMAIL-HASH or address:IP"),
    Column("at_utc", DateTime, nullable=False),
    Index("ix_login_failures_key_at", "key", "at_utc"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at_utc", DateTime, nullable=False),
    Column("actor_id", String(32), ForeignKey("accounts.id"), comment="null: not logged in"),
    Column("patient_id", String(32), comment="whose records, when known to exist"),
    Column("action", String(60), nullable=False, comment="what was done, never health data"),
    Column("outcome", String(16), nullable=False, comment="ok or the refusal's status"),
    Column("address", String(64)),
    Index("ix_audit_patient_at", "patient_id", "at_utc"),
)

# --- issue 13, clinician views: one summary row per patient -----------------------
patient_status = Table(
    "patient_status",
    metadata,
    Column("patient_id", String(32), ForeignKey("accounts.id"), primary_key=True),
    Column("refreshed_utc", DateTime, nullable=False, comment="when it was read from the store"),
    Column("zone", String(64), nullable=False, comment="the patient's; days are told in it"),
    Column("week_start", String(10), comment="Monday of the week week_done counts"),
    Column("week_done", Integer, nullable=False, comment="plan slots done that week"),
    Column("week_planned", Integer, nullable=False, comment="the plan's slots in a week"),
    Column("pain_start", Integer, comment="the first pain score recorded"),
    Column("pain_now", Integer, comment="the latest pain score"),
    Column("pain_rising", Boolean, nullable=False, comment="the last 28 days: a worsening"),
    Column("last_session_utc", DateTime),
    Column("last_pain_stop_utc", DateTime),
    Column("warning", String(16), comment="the latest screening's result, null for none"),
    Column("flare_until", String(10), comment="the last day of a flare-up that is on"),
)
# --- end clinician views ---

pending_files = Table(
    "pending_files",
    metadata,
    Column("token_hash", String(64), primary_key=True, comment="keyed hash of the form's token"),
    Column("owner_hash", String(64), nullable=False, index=True, comment="of the CSRF cookie"),
    Column("raw", LargeBinary, nullable=False, comment="a prescription file, as uploaded"),
    Column("expires_utc", DateTime, nullable=False, index=True),
)

# --- issue 14, sync: the devices a patient linked, and erasures done on request ----
devices = Table(
    "devices",
    metadata,
    Column("id", String(32), primary_key=True, comment="uuid4 hex, told to the device"),
    Column("account_id", String(32), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(80), nullable=False, comment="as the patient named it"),
    Column("token_hash", String(64), nullable=False, unique=True, comment="keyed hash"),
    Column("created_utc", DateTime, nullable=False),
    Column("last_seen_utc", DateTime, comment="its last sync, to the minute; null: none yet"),
    Column("revoked_utc", DateTime),
    Column("revoked_by", String(32), ForeignKey("accounts.id"), comment="null: the device"),
)

erasures = Table(
    "erasures",
    metadata,
    Column("account_id", String(32), ForeignKey("accounts.id"), primary_key=True),
    Column("at_utc", DateTime, nullable=False, comment="the latest erasure of their records"),
    Column("by_account", String(32), ForeignKey("accounts.id"), comment="null: the CLI"),
)
# --- end sync ---
