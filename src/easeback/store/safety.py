"""Safety records: screenings, clinician clearances and pain follow-ups.

All append-only: a new screening never overwrites an old one, so the record shows
what was answered and advised at each moment. The rules that read these records
live in core/screening.py; this module only stores and fetches them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine, insert, select

from easeback.core.screening import Assessment, Gate, Group, Screening, gate
from easeback.store.consents import latest_consent
from easeback.store.pain_events import PainEvent, read_pain_event_times
from easeback.store.records import Record as KeptRecord
from easeback.store.records import followup_record, pain_record, write_now
from easeback.store.schema import (
    clearances,
    consents,
    events,
    followups,
    pain_ratings,
    screenings,
    to_utc,
)


def _aware(moment: datetime) -> datetime:
    """Stored times are naive UTC; the core compares aware ones."""
    return moment.replace(tzinfo=UTC)


def current_gate(engine: Engine, now: datetime) -> Gate:
    """May a guided session start now? The records, read here, judged by the core."""
    consent = latest_consent(engine)
    return gate(
        now=now,
        consent_at=_aware(consent.given_utc) if consent else None,
        last=last_screening(engine, now),
        cleared_at=last_clearance(engine, now),
        pain_stops=pain_event_times(engine),
        flare_alerts=flare_alert_times(engine),
    )


def flare_alert_times(engine: Engine) -> list[datetime]:
    """When a flare-up's morning answer called for the safety questions."""
    from easeback.core.prescribed import alert_times
    from easeback.store.prescription_rows import stored_time
    from easeback.store.schema import flare_checks

    query = select(
        flare_checks.c.flare_id, flare_checks.c.day, flare_checks.c.answer, flare_checks.c.at_utc
    ).order_by(flare_checks.c.at_utc)
    by_flare: dict[str, list[tuple[date, str, datetime]]] = {}
    with engine.connect() as connection:
        for flare_id, day, answer, at in connection.execute(query):
            by_flare.setdefault(flare_id, []).append(
                (date.fromisoformat(day), answer, stored_time(at))
            )
    return [at for checks in by_flare.values() for at in alert_times(checks)]


def record_screening(
    engine: Engine,
    *,
    answers: dict[str, bool],
    result: Assessment,
    reason: str,
    at: datetime,
    zone: str,
) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(screenings).values(
                at_utc=to_utc(at),
                zone=zone,
                reason=reason,
                answers=json.dumps(answers, sort_keys=True),
                result=result.group,
                yes=",".join(result.yes),
            )
        )


# Answers stamped later than this past the reader's clock are not believed yet.
FUTURE_SLACK = timedelta(minutes=5)


def last_screening(engine: Engine, now: datetime) -> Screening | None:
    """The newest answers by the time they were given, on every side alike (answers
    from two devices meet by sync), leaving out any stamped in the future: a clock
    that was wrong once must not let such an answer hide the ones given since."""
    query = (
        select(screenings)
        .where(screenings.c.at_utc <= to_utc(now + FUTURE_SLACK))
        .order_by(screenings.c.at_utc.desc(), screenings.c.id.desc())
    )
    with engine.connect() as connection:
        row = connection.execute(query.limit(1)).mappings().first()
    if row is None:
        return None
    return Screening(at=_aware(row["at_utc"]), group=cast(Group | None, row["result"]))


def record_clearance(
    engine: Engine, *, at: datetime, zone: str, cleared_on: str, by: str | None
) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(clearances).values(
                at_utc=to_utc(at), zone=zone, cleared_on=cleared_on, cleared_by=by
            )
        )


def last_clearance(engine: Engine, now: datetime) -> datetime | None:
    """When a clinician's go-ahead was last recorded, by the same rule as the answers."""
    query = (
        select(clearances.c.at_utc)
        .where(clearances.c.at_utc <= to_utc(now + FUTURE_SLACK))
        .order_by(clearances.c.at_utc.desc(), clearances.c.id.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        value = connection.execute(query).scalar()
    return _aware(value) if value is not None else None


def record_followup(
    engine: Engine,
    *,
    at: datetime,
    zone: str,
    kind: str,
    session_id: str | None,
    settled: bool | None,
    step_back: bool | None = None,
) -> None:
    """Store a follow-up now (see ``records.followup_record``)."""
    write_now(
        engine,
        [
            followup_record(
                at=at,
                zone=zone,
                kind=kind,
                session_id=session_id,
                settled=settled,
                step_back=step_back,
            )
        ],
    )


def followed_up(engine: Engine, session_id: str, kind: str) -> bool:
    """Has this session's pain stop or worsening been followed up already?"""
    query = select(followups.c.id).where(
        followups.c.session_id == session_id, followups.c.kind == kind
    )
    with engine.connect() as connection:
        return connection.execute(query.limit(1)).first() is not None


def record_pain(
    engine: Engine, *, session_id: str, moment: str, value: int, at: datetime, zone: str
) -> None:
    """Pain 0-10 'before' or 'after' a session, stored now."""
    write_now(
        engine, [pain_record(session_id=session_id, moment=moment, value=value, at=at, zone=zone)]
    )


def unfollowed_pain_stops(engine: Engine) -> list[KeptRecord]:
    """A follow-up for each stored pain stop that has none: its session ended (killed,
    say) before the follow-up could be kept. Stamped with the stop's own time."""
    followed = select(followups.c.session_id).where(
        followups.c.kind == "pain_stop", followups.c.session_id.is_not(None)
    )
    query = select(events.c.session_id, events.c.wall_utc, events.c.zone).where(
        events.c.kind == "pain_stop", events.c.session_id.not_in(followed)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        followup_record(
            at=_aware(moment), zone=zone, kind="pain_stop", session_id=session_id, settled=None
        )
        for session_id, moment, zone in rows
    ]


def session_pain(engine: Engine, session_id: str) -> dict[str, int]:
    """The ratings given for one session: moment ('before', 'after') -> 0-10."""
    query = select(pain_ratings.c.moment, pain_ratings.c.value).where(
        pain_ratings.c.session_id == session_id
    )
    with engine.connect() as connection:
        return {row.moment: row.value for row in connection.execute(query)}


def pain_event_times(engine: Engine, *, also: PainEvent | None = None) -> list[datetime]:
    """When sessions were stopped for pain, plus sessions after which pain rose 2+;
    ``also`` is one more that may not be stored yet (counted once either way)."""
    with engine.connect() as connection:
        return read_pain_event_times(connection, also=also)


@dataclass(frozen=True)
class Record:
    """One line of the safety record, for history and exports."""

    at_utc: datetime
    zone: str
    kind: str
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "at_utc": self.at_utc.isoformat() + "Z",
            "zone": self.zone,
            "kind": self.kind,
            **self.detail,
        }


def safety_records(engine: Engine) -> list[Record]:
    """Every consent, screening, clearance and follow-up, newest first."""
    out: list[Record] = []
    with engine.connect() as connection:
        for row in connection.execute(select(consents)).mappings():
            out.append(
                Record(row["given_utc"], row["zone"], "consent", {"wording": row["wording"]})
            )
        for row in connection.execute(select(screenings)).mappings():
            out.append(
                Record(
                    row["at_utc"],
                    row["zone"],
                    "screening",
                    {
                        "reason": row["reason"],
                        "result": row["result"],
                        "yes": [q for q in row["yes"].split(",") if q],
                        "answers": json.loads(row["answers"]),
                    },
                )
            )
        for row in connection.execute(select(clearances)).mappings():
            out.append(
                Record(
                    row["at_utc"],
                    row["zone"],
                    "clearance",
                    {"cleared_on": row["cleared_on"], "by": row["cleared_by"]},
                )
            )
        for row in connection.execute(select(followups)).mappings():
            out.append(
                Record(
                    row["at_utc"],
                    row["zone"],
                    "followup",
                    {
                        "after": row["kind"],
                        "session": row["session_id"],
                        "settled": row["settled"],
                        "step_back": bool(row["step_back"]),
                    },
                )
            )
    return sorted(out, key=lambda r: r.at_utc, reverse=True)
