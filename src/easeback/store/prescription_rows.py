"""The rows of what the plan follows and of flare-ups, as plain values and plain SQL.

No SQLAlchemy here: ``easeback today`` reads them with sqlite3 (store/quick.py), the
rest of easeback through store/prescriptions.py; one text of each query for both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

# The plan's source and the state of a flare-up, with plain SQL: easeback today reads
# them with sqlite3 (store/quick.py), the rest through SQLAlchemy; one text for both.
SOURCE_SQL = """
SELECT p.id, p.version, p.clinician, p.issued_utc, p.start, p."end", p.plan, p.fingerprint
FROM plan_sources s LEFT JOIN prescriptions p ON p.id = s.prescription_id
ORDER BY s.at_utc DESC, s.id DESC LIMIT 1
"""
FLARE_SQL = (
    "SELECT id, day, days, prescription_id FROM flare_ups ORDER BY started_utc DESC, id LIMIT 1"
)
FLARE_CHECKS_SQL = (
    "SELECT day, answer, at_utc FROM flare_checks WHERE flare_id = ? ORDER BY at_utc, id"
)
# When the safety questions were last answered: a flare-up's alert before it is settled.
SCREENED_SQL = "SELECT MAX(at_utc) FROM screenings"


@dataclass(frozen=True)
class Followed:
    """The prescription the plan follows (its stored row), or none: the article's."""

    id: str
    version: int
    clinician: dict[str, str]
    issued: datetime  # aware, UTC
    start: date
    end: date | None
    plan: dict[str, Any]  # the prescription, every dose stated (bundle.full)
    fingerprint: str


def followed_from_row(row: Any) -> Followed | None:
    if row is None or row[0] is None:
        return None
    issued = row[3] if isinstance(row[3], datetime) else datetime.fromisoformat(row[3])
    return Followed(
        id=row[0],
        version=row[1],
        clinician=json.loads(row[2]),
        issued=issued.replace(tzinfo=UTC),
        start=date.fromisoformat(row[4]),
        end=date.fromisoformat(row[5]) if row[5] else None,
        plan=json.loads(row[6]),
        fingerprint=row[7],
    )


@dataclass(frozen=True)
class Flare:
    """The latest flare-up: when it began (the person's date), for how many days, and
    the answers given since (each morning's, and "ended" if the person ended it)."""

    id: str
    day: date
    days: int
    prescription_id: str | None
    answers: tuple[tuple[date, str, datetime], ...]  # (day, answer, when: aware UTC)


def flare_from_rows(row: Any, answers: list[Any]) -> Flare | None:
    if row is None:
        return None
    return Flare(
        id=row[0],
        day=date.fromisoformat(row[1]),
        days=row[2],
        prescription_id=row[3],
        answers=tuple((date.fromisoformat(a[0]), a[1], stored_time(a[2])) for a in answers),
    )


def stored_time(value: Any) -> datetime:
    """A stored time (naive UTC: a datetime, or SQLite's text) as an aware one."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC)
