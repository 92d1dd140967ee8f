"""One summary row per patient, so the clinician's list never opens a patient's store.

``refresh`` reads one patient's store with the use-cases the person's own pages use
(today's plan, the progress overview, the safety records) and keeps what the list
shows in ``clinic.patient_status``: the week's sessions against the plan, pain at the
start and now, whether pain is rising, and the times of the last session, the last
pain stop and a flare-up's last day. Times are kept rather than judgements, so that
"nothing done for 7 days" and "this week" are decided when the list is read
(attention.py), against the clock of that moment.

The server calls ``refresh`` after each request by which the patient changed their
records (server/guard.py), so the row is as fresh as the patient's last write.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects.postgresql import insert

from easeback.core.outcome import ENDINGS
from easeback.core.plan import DaySettings, person_day, plan_day
from easeback.server.schema import patient_status
from easeback.server.tenancy import scoped
from easeback.store.plan import latest_settings
from easeback.store.safety import last_screening
from easeback.store.schema import diary_entries, events, pain_ratings, sessions, to_utc
from easeback.usecases.clock import local_zone
from easeback.usecases.following import store_basis
from easeback.usecases.overview import DEFAULT_DAYS, EmptyPeriod, build_overview

WORSENING = "meaningful worsening"
# A batch of a session's events from the player (web/api.py).
EVENTS_PATH = re.compile(r"/api/sessions/([0-9a-fA-F-]{36})/events")


@dataclass(frozen=True)
class Summary:
    """What the list keeps of one patient (times naive UTC, days ISO in ``zone``)."""

    zone: str
    week_start: str
    week_done: int
    week_planned: int
    pain_start: int | None
    pain_now: int | None
    pain_rising: bool
    last_session_utc: datetime | None
    last_pain_stop_utc: datetime | None
    warning: str | None
    flare_until: str | None


def summarise(engine: Engine, now: datetime) -> Summary:
    """The summary of the store ``engine`` (one patient's) at ``now`` (aware)."""
    settings = latest_settings(engine) or DaySettings(zone=local_zone())
    today = person_day(now, settings)
    basis = store_basis(engine, today)
    monday = today - timedelta(days=today.weekday())
    planned = sum(
        len(plan_day(monday + timedelta(days=i), settings, basis.course)) for i in range(7)
    )
    done, rising, pain_now = 0, False, None
    try:
        # The progress page's figures for its default period: the same adherence rule
        # and the same pain verdict (core/insight.py), read the same way.
        view = build_overview(
            engine, today - timedelta(days=DEFAULT_DAYS - 1), today, zone=settings.zone, now=now
        )
    except EmptyPeriod:
        view = None
    if view is not None:
        week = view.weeks[-1]
        done = week.done if week.start == monday else 0
        rising = view.pain_change.verdict == WORSENING
        trend = [p for p in view.pain if p.source != "after"]
        pain_now = trend[-1].value if trend else None
    with engine.connect() as connection:
        last_session, last_stop, pain_start = _times(connection)
    screening = last_screening(engine, now)
    state = basis.flare_today
    return Summary(
        zone=settings.zone,
        week_start=monday.isoformat(),
        week_done=done,
        week_planned=planned,
        pain_start=pain_start,
        pain_now=pain_now,
        pain_rising=rising,
        last_session_utc=last_session,
        last_pain_stop_utc=last_stop,
        warning=screening.group if screening is not None else None,
        flare_until=state.last_day.isoformat() if state is not None and state.active else None,
    )


def _times(connection: Connection) -> tuple[datetime | None, datetime | None, int | None]:
    """The last session done (rehearsals aside), the start of the last session stopped
    for pain (rehearsals too, as the report counts them), and the first pain score."""
    last_session = connection.execute(
        select(func.max(sessions.c.started_utc)).where(sessions.c.rehearsal.is_(False))
    ).scalar()
    last_stop = connection.execute(
        select(func.max(sessions.c.started_utc)).where(
            sessions.c.id.in_(select(events.c.session_id).where(events.c.kind == "pain_stop"))
        )
    ).scalar()
    first_diary = connection.execute(
        select(diary_entries.c.at_utc, diary_entries.c.pain)
        .where(diary_entries.c.pain.is_not(None))
        .order_by(diary_entries.c.at_utc)
        .limit(1)
    ).first()
    first_rated = connection.execute(
        select(sessions.c.started_utc, pain_ratings.c.value)
        .join(pain_ratings, pain_ratings.c.session_id == sessions.c.id)
        .where(pain_ratings.c.moment == "before", sessions.c.rehearsal.is_(False))
        .order_by(sessions.c.started_utc)
        .limit(1)
    ).first()
    firsts = [row for row in (first_diary, first_rated) if row is not None]
    pain_start = min(firsts, key=lambda row: row[0])[1] if firsts else None
    return last_session, last_stop, pain_start


def refresh(clinic: Engine, patient_id: str, now: datetime) -> None:
    """Read the patient's store again and keep their summary row."""
    found = summarise(scoped(clinic, patient_id), now)
    keep(clinic, patient_id, found, now)


def patient_zone(clinic: Engine, patient_id: str) -> str | None:
    """The zone of the patient's day kept from their last request (their device's, or
    the one they set); None before they have made one."""
    with clinic.connect() as connection:
        kept = connection.execute(
            select(patient_status.c.zone).where(patient_status.c.patient_id == patient_id)
        ).scalar()
    return str(kept) if kept else None


def refresh_after(clinic: Engine, patient_id: str, path: str, now: datetime) -> None:
    """After a patient's successful write to ``path``: refresh their row, except after
    a batch of events that leaves its session still going. Such a batch changes
    nothing the list shows (the session counted from its opening; it fills a slot, or
    stops for pain, only with its ending), and a phone sends one every few seconds
    while playing, so skipping it keeps uploads cheap."""
    found = EVENTS_PATH.fullmatch(path)
    if found is not None and not _ended(scoped(clinic, patient_id), found.group(1)):
        return
    refresh(clinic, patient_id, now)


def _ended(engine: Engine, session_id: str) -> bool:
    query = (
        select(events.c.id)
        .where(events.c.session_id == session_id, events.c.kind.in_(ENDINGS))
        .limit(1)
    )
    with engine.connect() as connection:
        return connection.execute(query).first() is not None


def keep(clinic: Engine, patient_id: str, found: Summary, now: datetime) -> None:
    values = {"patient_id": patient_id, "refreshed_utc": to_utc(now), **asdict(found)}
    statement = insert(patient_status).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[patient_status.c.patient_id],
        set_={k: statement.excluded[k] for k in values if k != "patient_id"},
    )
    with clinic.begin() as connection:
        connection.execute(statement)
