"""Storing prescriptions, what the plan follows, trusted clinicians and flare-ups.

Append-only: an imported file is kept whole and never changed; following it, or going
back to the article's plan, is a new row of ``plan_sources``; a flare-up and each of
its morning answers are rows with ids made where they happened.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from easeback.store.prescription_rows import (
    FLARE_CHECKS_SQL,
    FLARE_SQL,
    SCREENED_SQL,
    SOURCE_SQL,
    Flare,
    Followed,
    flare_from_rows,
    followed_from_row,
    stored_time,
)
from easeback.store.schema import (
    flare_checks,
    flare_ups,
    plan_sources,
    prescriptions,
    to_utc,
    trusted_clinicians,
)


def followed(connection: Connection) -> Followed | None:
    from sqlalchemy import text

    return followed_from_row(connection.execute(text(SOURCE_SQL)).first())


def followed_since(connection: Connection) -> list[tuple[datetime, Followed | None]]:
    """Every import and removal, oldest first: when (naive UTC) and what the plan
    followed from then on (None: the article's plan)."""
    query = (
        select(
            plan_sources.c.at_utc,
            prescriptions.c.id,
            prescriptions.c.version,
            prescriptions.c.clinician,
            prescriptions.c.issued_utc,
            prescriptions.c.start,
            prescriptions.c.end,
            prescriptions.c.plan,
            prescriptions.c.fingerprint,
        )
        .select_from(plan_sources.outerjoin(prescriptions))
        .order_by(plan_sources.c.at_utc, plan_sources.c.id)
    )
    return [(row[0], followed_from_row(row[1:])) for row in connection.execute(query)]


@dataclass(frozen=True)
class PlanFacts:
    """Every fact the plan of a past moment depends on, read at once: each import and
    removal (``followed_since``), each flare-up with its answers (oldest first), and
    when the safety questions were answered (sorted)."""

    sources: list[tuple[datetime, Followed | None]]
    flares: list[tuple[datetime, Flare]]  # (started, naive UTC; the flare-up)
    screened: list[datetime]  # naive UTC

    def followed_at(self, naive: datetime) -> Followed | None:
        followed = None
        for at, source in self.sources:
            if at <= naive:
                followed = source
        return followed

    def flare_at(self, moment: datetime) -> Flare | None:
        """The latest flare-up started by ``moment`` (aware), with the answers known
        then."""
        naive = to_utc(moment)
        started = [flare for at, flare in self.flares if at <= naive]
        if not started:
            return None
        last = started[-1]
        known = tuple(a for a in last.answers if a[2] <= moment)
        return Flare(last.id, last.day, last.days, last.prescription_id, known)

    def screened_at(self, naive: datetime) -> datetime | None:
        from bisect import bisect_right

        index = bisect_right(self.screened, naive)
        return self.screened[index - 1].replace(tzinfo=UTC) if index else None


def plan_facts(connection: Connection) -> PlanFacts:
    from sqlalchemy import text

    flares = []
    for row in connection.execute(
        select(flare_ups.c.id, flare_ups.c.day, flare_ups.c.days, flare_ups.c.prescription_id)
        .add_columns(flare_ups.c.started_utc)
        .order_by(flare_ups.c.started_utc, flare_ups.c.id)
    ).all():
        answers = connection.execute(
            text(FLARE_CHECKS_SQL.replace("?", ":flare")), {"flare": row[0]}
        ).all()
        flare = flare_from_rows(row[:4], list(answers))
        assert flare is not None  # noqa: S101 - a row was given
        flares.append((stored_time(row[4]).replace(tzinfo=None), flare))
    screened = [
        stored_time(r[0]).replace(tzinfo=None)
        for r in connection.execute(text("SELECT at_utc FROM screenings ORDER BY at_utc"))
    ]
    return PlanFacts(sources=followed_since(connection), flares=flares, screened=screened)


def latest_flare(connection: Connection) -> Flare | None:
    from sqlalchemy import text

    row = connection.execute(text(FLARE_SQL)).first()
    if row is None:
        return None
    answers = connection.execute(
        text(FLARE_CHECKS_SQL.replace("?", ":flare")), {"flare": row[0]}
    ).all()
    return flare_from_rows(row, list(answers))


def save_import(
    engine: Engine,
    *,
    rx_id: str,
    version: int,
    fingerprint: str,
    clinician: dict[str, str],
    patient: str,
    issued: datetime,
    start: date,
    end: date | None,
    plan: dict[str, Any],
    file: bytes,
    at: datetime,
    trust_name: str | None,
) -> None:
    """Keep the file (once), trust its clinician when asked, and follow it: one
    transaction, so the plan never follows a file that was not kept."""
    with engine.begin() as connection:
        known = connection.execute(
            select(prescriptions.c.id).where(prescriptions.c.id == rx_id)
        ).first()
        if known is None:
            connection.execute(
                insert(prescriptions).values(
                    id=rx_id,
                    imported_utc=to_utc(at),
                    version=version,
                    fingerprint=fingerprint,
                    clinician=json.dumps(clinician, sort_keys=True),
                    patient=patient,
                    issued_utc=to_utc(issued),
                    start=start.isoformat(),
                    end=end.isoformat() if end else None,
                    plan=json.dumps(plan, sort_keys=True),
                    file=file.decode("utf-8"),
                )
            )
        if trust_name is not None:
            _trust(connection, fingerprint, trust_name, at)
        connection.execute(
            insert(plan_sources).values(at_utc=to_utc(at), prescription_id=rx_id, action="import")
        )


def save_removal(engine: Engine, *, at: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(plan_sources).values(at_utc=to_utc(at), prescription_id=None, action="remove")
        )


def trust(engine: Engine, fingerprint: str, name: str, *, at: datetime) -> None:
    with engine.begin() as connection:
        _trust(connection, fingerprint, name, at)


def _trust(connection: Connection, fingerprint: str, name: str, at: datetime) -> None:
    known = connection.execute(
        select(trusted_clinicians.c.fingerprint).where(
            trusted_clinicians.c.fingerprint == fingerprint
        )
    ).first()
    if known is None:
        connection.execute(
            insert(trusted_clinicians).values(fingerprint=fingerprint, name=name, at_utc=to_utc(at))
        )


def trusted(engine: Engine, fingerprint: str) -> bool:
    with engine.connect() as connection:
        found = connection.execute(
            select(trusted_clinicians.c.fingerprint).where(
                trusted_clinicians.c.fingerprint == fingerprint
            )
        ).first()
    return found is not None


def current(engine: Engine) -> Followed | None:
    with engine.connect() as connection:
        return followed(connection)


@dataclass(frozen=True)
class HistoryRow:
    at: datetime  # aware, UTC
    action: str
    id: str | None
    version: int | None
    clinician: str | None
    start: str | None
    end: str | None


def history(engine: Engine) -> list[HistoryRow]:
    """Every import and removal, oldest first."""
    query = (
        select(
            plan_sources.c.at_utc,
            plan_sources.c.action,
            prescriptions.c.id,
            prescriptions.c.version,
            prescriptions.c.clinician,
            prescriptions.c.start,
            prescriptions.c.end,
        )
        .select_from(plan_sources.outerjoin(prescriptions))
        .order_by(plan_sources.c.at_utc, plan_sources.c.id)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        HistoryRow(
            at=row[0].replace(tzinfo=UTC),
            action=row[1],
            id=row[2],
            version=row[3],
            clinician=json.loads(row[4])["name"] if row[4] else None,
            start=row[5],
            end=row[6],
        )
        for row in rows
    ]


def stored_file(engine: Engine, rx_id: str) -> bytes | None:
    with engine.connect() as connection:
        text = connection.execute(
            select(prescriptions.c.file).where(prescriptions.c.id == rx_id)
        ).scalar()
    return text.encode("utf-8") if text is not None else None


def start_flare(
    engine: Engine, *, day: date, days: int, prescription_id: str | None, at: datetime
) -> str:
    flare_id = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(
            insert(flare_ups).values(
                id=flare_id,
                started_utc=to_utc(at),
                day=day.isoformat(),
                days=days,
                prescription_id=prescription_id,
            )
        )
    return flare_id


def screened_at(engine: Engine) -> datetime | None:
    from sqlalchemy import text

    with engine.connect() as connection:
        value = connection.execute(text(SCREENED_SQL)).scalar()
    return stored_time(value) if value is not None else None


def add_flare_answers(
    engine: Engine, flare_id: str, *, day: date, answers: Sequence[str], at: datetime
) -> None:
    """A morning's answers (or "ended"), in one transaction."""
    with engine.begin() as connection:
        for answer in answers:
            connection.execute(
                insert(flare_checks).values(
                    id=str(uuid.uuid4()),
                    flare_id=flare_id,
                    at_utc=to_utc(at),
                    day=day.isoformat(),
                    answer=answer,
                )
            )


def current_flare(engine: Engine) -> Flare | None:
    with engine.connect() as connection:
        return latest_flare(connection)
