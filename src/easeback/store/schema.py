"""The tables, as SQLAlchemy Core metadata. Alembic migrations create them.

Sessions and their events are append-only: nothing here is updated after it is
written, so a session's outcome is read from its last event, never stored twice.
"""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()


def new_uid() -> str:
    """A record's id, made where it was written: the same on every side it syncs to."""
    return str(uuid4())


def uid_column() -> Column[str]:
    return Column(
        "uid",
        String(36),
        nullable=False,
        unique=True,
        index=True,
        default=new_uid,
        comment="made where written",
    )


def to_utc(moment: datetime) -> datetime:
    """A naive UTC datetime, as every time is stored; refuses naive input (its zone
    is unknown)."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("wall times must be timezone-aware")
    return (moment - offset).replace(tzinfo=None)


sessions = Table(
    "sessions",
    metadata,
    Column("id", String(36), primary_key=True, comment="uuid4, made by the player"),
    Column("routine", String(60), nullable=False),
    Column("title", String(120), nullable=False),
    Column("timeline", Text, nullable=False, comment="the timeline JSON as played"),
    Column("total_ms", Integer, nullable=False),
    Column("speed", Float, nullable=False),
    Column("rehearsal", Boolean, nullable=False),
    Column("started_utc", DateTime, nullable=False, index=True, comment="naive, always UTC"),
    Column("zone", String(64), nullable=False, comment="the person's IANA time zone"),
    Column("player", String(16), nullable=False, comment="terminal or web"),
    Column("slot", String(16), comment="the plan's slot it was started for, if any"),
    Column("plan_date", String(10), index=True, comment="the person's local date of that slot"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(36), ForeignKey("sessions.id"), nullable=False, index=True),
    Column("seq", Integer, nullable=False, comment="0, 1, 2... within the session"),
    Column("kind", String(16), nullable=False),
    Column("phase_index", Integer, nullable=False),
    Column("phase_kind", String(16), nullable=False),
    Column("stretch", String(40)),
    Column("side", String(8)),
    Column("direction", String(8)),
    Column("rep", Integer),
    Column("position_ms", Integer, nullable=False, comment="where in the timeline"),
    Column("offset_ms", Integer, nullable=False, comment="monotonic ms since the start"),
    Column("wall_utc", DateTime, nullable=False),
    Column("zone", String(64), nullable=False),
    Column("client_id", String(36), comment="id made by a browser player, stored once"),
    UniqueConstraint("session_id", "seq"),
    Index("ux_events_client_id", "client_id", unique=True),
)

consents = Table(
    "consents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uid_column(),
    Column("kind", String(32), nullable=False, comment="clinician_check"),
    Column("wording", String(16), nullable=False, comment="version of the text agreed to"),
    Column("given_utc", DateTime, nullable=False),
    Column("zone", String(64), nullable=False),
)

screenings = Table(
    "screenings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uid_column(),
    Column("at_utc", DateTime, nullable=False),
    Column("zone", String(64), nullable=False),
    Column("reason", String(32), nullable=False, comment="first-use, 30-days, pain, symptoms"),
    Column("answers", Text, nullable=False, comment="JSON: question id -> true/false"),
    Column("result", String(16), comment="emergency, urgent, clinician, or null for none"),
    Column("yes", Text, nullable=False, comment="question ids answered yes, comma-separated"),
)

clearances = Table(
    "clearances",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uid_column(),
    Column("at_utc", DateTime, nullable=False, comment="when it was recorded"),
    Column("zone", String(64), nullable=False),
    Column("cleared_on", String(10), nullable=False, comment="ISO date the clinician cleared"),
    Column("cleared_by", String(120), comment="optional: who cleared"),
)

followups = Table(
    "followups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uid_column(),
    Column("at_utc", DateTime, nullable=False),
    Column("zone", String(64), nullable=False),
    Column("kind", String(16), nullable=False, comment="pain_stop or worsening"),
    Column("session_id", String(36), ForeignKey("sessions.id")),
    Column("settled", Boolean, comment="has the pain settled? null: not asked yet"),
    Column("step_back", Boolean, nullable=False, comment="2 in 7 days: progression steps back"),
    Index(
        "ux_followups_session_kind",
        "session_id",
        "kind",
        unique=True,
        sqlite_where=text("session_id IS NOT NULL"),
        postgresql_where=text("session_id IS NOT NULL"),
    ),
)

pain_ratings = Table(
    "pain_ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(36), ForeignKey("sessions.id"), nullable=False, index=True),
    Column("moment", String(8), nullable=False, comment="before or after"),
    Column("value", Integer, nullable=False, comment="0 (none) to 10 (worst)"),
    Column("at_utc", DateTime, nullable=False),
    Column("zone", String(64), nullable=False),
    UniqueConstraint("session_id", "moment"),
)

day_settings = Table(
    "day_settings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uid_column(),
    Column("at_utc", DateTime, nullable=False),
    Column("wake", String(5), nullable=False, comment="HH:MM local"),
    Column("bed", String(5), nullable=False),
    Column("work_start", String(5)),
    Column("work_end", String(5)),
    Column("work_days", String(27), nullable=False, comment="e.g. mon,tue,wed,thu,fri"),
    Column("zone", String(64), nullable=False),
)

progress = Table(
    "progress",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at_utc", DateTime, nullable=False),
    Column("session_id", String(36), ForeignKey("sessions.id")),
    Column("state", Text, nullable=False, comment="JSON: stretch -> [level, streak]"),
    Column("basis", String(36), comment="the prescription it climbs; NULL: the article's"),
)

dose_changes = Table(
    "dose_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at_utc", DateTime, nullable=False),
    Column("zone", String(64), nullable=False),
    Column("session_id", String(36), ForeignKey("sessions.id")),
    Column("stretch", String(40), nullable=False),
    Column("field", String(16), nullable=False),
    Column("old", Integer, nullable=False),
    Column("new", Integer, nullable=False),
    Column("direction", String(4), nullable=False),
    Column("reason", Text, nullable=False),
)

calendar_files = Table(
    "calendar_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False, unique=True, comment="rewritten when the plan changes"),
    Column("at_utc", DateTime, nullable=False),
)

diary_entries = Table(
    "diary_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uid_column(),
    Column("at_utc", DateTime, nullable=False, index=True, comment="when it was felt"),
    Column("zone", String(64), nullable=False),
    Column("pain", Integer, comment="0 (none) to 10 (worst); null for a note alone"),
    Column("note", Text, comment="free text, the person's own words"),
    Column("share", Boolean, nullable=False, comment="include the note in clinician reports"),
    Column("client_id", String(36), comment="id made by the page that wrote it, stored once"),
    Index("ux_diary_entries_client_id", "client_id", unique=True),
)

psfs_activities = Table(
    "psfs_activities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uid_column(),
    Column("name", String(120), nullable=False, comment="an activity the person finds hard"),
    Column("added_utc", DateTime, nullable=False),
    Column("retired_utc", DateTime, comment="set when the person replaces the list"),
)

psfs_ratings = Table(
    "psfs_ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uid_column(),
    Column("activity_id", Integer, ForeignKey("psfs_activities.id"), nullable=False, index=True),
    Column("value", Integer, nullable=False, comment="0 (unable) to 10 (as before)"),
    Column("at_utc", DateTime, nullable=False),
    Column("zone", String(64), nullable=False),
)

profiles = Table(
    "profiles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uid_column(),
    Column("at_utc", DateTime, nullable=False, comment="when it was given; the newest row holds"),
    Column("name", String(120), comment="the person's name as they give it; null: not given"),
    Column("birth_date", String(10), comment="date of birth, YYYY-MM-DD; null: not given"),
    Column("clinic_id", String(64), comment="the identifier their clinic gave them; null: none"),
)


prescriptions = Table(
    "prescriptions",
    metadata,
    Column("id", String(36), primary_key=True, comment="the Bundle's identifier, a uuid"),
    Column("imported_utc", DateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("fingerprint", String(64), nullable=False, comment="the signing key's"),
    Column("clinician", Text, nullable=False, comment="JSON: name, role, organisation, contact"),
    Column("patient", String(200), nullable=False),
    Column("issued_utc", DateTime, nullable=False),
    Column("start", String(10), nullable=False),
    Column("end", String(10)),
    Column("plan", Text, nullable=False, comment="JSON: the prescription, every dose stated"),
    Column("file", Text, nullable=False, comment="the signed file, byte for byte"),
)

# What the plan follows: each import of a prescription and each removal (back to the
# article's plan), oldest first; the newest row decides.
plan_sources = Table(
    "plan_sources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uid_column(),
    Column("at_utc", DateTime, nullable=False),
    Column("prescription_id", String(36), ForeignKey("prescriptions.id")),
    Column("action", String(16), nullable=False, comment="import or remove"),
)

trusted_clinicians = Table(
    "trusted_clinicians",
    metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("at_utc", DateTime, nullable=False),
)

flare_ups = Table(
    "flare_ups",
    metadata,
    Column("id", String(36), primary_key=True, comment="uuid4, made where it was started"),
    Column("started_utc", DateTime, nullable=False),
    Column("day", String(10), nullable=False, comment="the person's local date it began"),
    Column("days", Integer, nullable=False),
    Column("prescription_id", String(36), ForeignKey("prescriptions.id")),
)

flare_checks = Table(
    "flare_checks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("flare_id", String(36), ForeignKey("flare_ups.id"), nullable=False),
    Column("at_utc", DateTime, nullable=False),
    Column("day", String(10), nullable=False, comment="the person's local date"),
    Column("answer", String(16), nullable=False, comment="better, same, worse or ended"),
)

# What arrived in which order, one line per insert into a synced table (and per psfs
# activity retired), written by database triggers (migration 0010): sync sends and
# asks for ranges of ``n``. ``source``: None for rows made on this side, else the
# device that pushed it (on a server) or "server" (on a device, for pulled rows).
sync_ledger = Table(
    "sync_ledger",
    metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("tbl", String(32), nullable=False),
    Column("row_key", String(64), nullable=False),
    Column("source", String(36)),
)

# A device's sync cursors, written in the same transaction as what they count.
sync_marks = Table(
    "sync_marks",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("value", Integer, nullable=False),
)
