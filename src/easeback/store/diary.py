"""The diary: pain entries and notes at any time, and the PSFS (the activities a
person finds hard, each rated 0-10, re-rated weekly).

Entries are only ever added; a new list of PSFS activities retires the old one, so
every past rating keeps the activity it was given for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from easeback.store.schema import diary_entries, psfs_activities, psfs_ratings, to_utc


@dataclass(frozen=True)
class Entry:
    """One diary line: a pain score, a note, or both."""

    id: int
    at_utc: datetime
    zone: str
    pain: int | None
    note: str | None
    share: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at_utc": self.at_utc.isoformat() + "Z",
            "zone": self.zone,
            "pain": self.pain,
            "note": self.note,
            "share": self.share,
        }


def add_entry(
    engine: Engine,
    *,
    at: datetime,
    zone: str,
    pain: int | None,
    note: str | None,
    share: bool = False,
    client_id: str | None = None,
) -> int:
    """Store a diary entry (pain 0-10 and/or a note); returns its id. An entry with a
    ``client_id`` (made by the page that wrote it, perhaps offline) is stored once:
    sent again, the stored entry's id is returned and nothing is added."""
    if pain is None and not note:
        raise ValueError("a diary entry needs a pain score or a note")
    if client_id is not None and (known := entry_id(engine, client_id)) is not None:
        return known
    try:
        with engine.begin() as connection:
            result = connection.execute(
                insert(diary_entries).values(
                    at_utc=to_utc(at),
                    zone=zone,
                    pain=pain,
                    note=note or None,
                    share=share,
                    client_id=client_id,
                )
            )
    except IntegrityError:
        # The same entry sent twice at once: the other request stored it.
        if client_id is None or (known := entry_id(engine, client_id)) is None:
            raise
        return known
    key = result.inserted_primary_key
    return int(key[0]) if key else 0


def entry_id(engine: Engine, client_id: str) -> int | None:
    """The id of the entry a page made under ``client_id``, if it is stored."""
    query = select(diary_entries.c.id).where(diary_entries.c.client_id == client_id)
    with engine.connect() as connection:
        found = connection.execute(query).scalar()
    return None if found is None else int(found)


def entries(
    engine: Engine, start: datetime | None = None, end: datetime | None = None
) -> list[Entry]:
    """Diary entries, oldest first, with ``start <= at < end`` (aware times) when given."""
    query = select(diary_entries).order_by(diary_entries.c.at_utc, diary_entries.c.id)
    if start is not None:
        query = query.where(diary_entries.c.at_utc >= to_utc(start))
    if end is not None:
        query = query.where(diary_entries.c.at_utc < to_utc(end))
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        Entry(r["id"], r["at_utc"], r["zone"], r["pain"], r["note"], bool(r["share"])) for r in rows
    ]


# --- PSFS ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    id: int
    name: str
    added_utc: datetime


@dataclass(frozen=True)
class Rating:
    activity_id: int
    value: int
    at_utc: datetime


def current_activities(engine: Engine) -> list[Activity]:
    """The activities now being rated, in the order the person gave them."""
    query = (
        select(psfs_activities)
        .where(psfs_activities.c.retired_utc.is_(None))
        .order_by(psfs_activities.c.added_utc, psfs_activities.c.id)  # alike on every side
    )
    with engine.connect() as connection:
        return [
            Activity(r["id"], r["name"], r["added_utc"])
            for r in connection.execute(query).mappings()
        ]


def set_activities(engine: Engine, names: list[str], *, at: datetime) -> list[Activity]:
    """Replace the activity list; names already on it keep their ratings' history."""
    keep = {a.name: a for a in current_activities(engine)}
    when = to_utc(at)
    with engine.begin() as connection:
        gone = [a.id for name, a in keep.items() if name not in names]
        if gone:
            connection.execute(
                update(psfs_activities)
                .where(psfs_activities.c.id.in_(gone))
                .values(retired_utc=when)
            )
        for name in names:
            if name not in keep:
                connection.execute(insert(psfs_activities).values(name=name, added_utc=when))
    return current_activities(engine)


def rate_activities(engine: Engine, values: dict[int, int], *, at: datetime, zone: str) -> None:
    """Store one rating per activity id, all at the same moment."""
    with engine.begin() as connection:
        for activity_id, value in values.items():
            connection.execute(
                insert(psfs_ratings).values(
                    activity_id=activity_id, value=value, at_utc=to_utc(at), zone=zone
                )
            )


def ratings(engine: Engine) -> list[Rating]:
    """Every PSFS rating, oldest first."""
    query = select(psfs_ratings).order_by(psfs_ratings.c.at_utc, psfs_ratings.c.id)
    with engine.connect() as connection:
        return [
            Rating(r["activity_id"], r["value"], r["at_utc"])
            for r in connection.execute(query).mappings()
        ]


def last_rated(engine: Engine) -> datetime | None:
    """When the PSFS was last rated (aware UTC), if ever."""
    found = ratings(engine)
    return found[-1].at_utc.replace(tzinfo=UTC) if found else None


PSFS_EVERY = timedelta(days=7)


def psfs_view(engine: Engine, now: datetime) -> dict[str, Any]:
    """The activities with their latest ratings, the mean, and whether a weekly
    re-rating is due at ``now``."""
    latest: dict[int, int] = {}
    for rating in ratings(engine):
        latest[rating.activity_id] = rating.value
    activities = current_activities(engine)
    rated = last_rated(engine)
    values = [latest[a.id] for a in activities if a.id in latest]
    return {
        "activities": [{"name": a.name, "latest": latest.get(a.id)} for a in activities],
        "mean": round(sum(values) / len(values), 2) if values else None,
        "last_rated_utc": rated.isoformat() if rated else None,
        "due": bool(activities) and (rated is None or now - rated >= PSFS_EVERY),
    }
