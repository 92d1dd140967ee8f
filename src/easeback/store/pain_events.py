"""When pain stopped a session or rose after one: the times the safety rules count.

Read here, for the safety gate (safety.py) and for deciding, when a follow-up is
written, whether it is the second within 7 days (records.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, select

from easeback.store.schema import events, followups, to_utc


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


# (kind, session id, when): a pain event that may not be in the store yet.
PainEvent = tuple[str, str, datetime]


def read_pain_event_times(
    connection: Connection, *, also: PainEvent | None = None
) -> list[datetime]:
    """``pain_event_times`` inside an open connection (or transaction).

    One time per session and kind. A pain stop counts from the later of its own time
    and the moment it was recorded here: a browser that was cut off sends its stop
    late, and that stop must still bring the questions back even if they were
    answered in between.
    """
    stopped = select(events.c.session_id, events.c.wall_utc).where(events.c.kind == "pain_stop")
    noted = select(followups.c.session_id, followups.c.at_utc).where(
        followups.c.kind == "pain_stop"
    )
    worse = select(followups.c.id, followups.c.session_id, followups.c.at_utc).where(
        followups.c.kind == "worsening"
    )
    latest: dict[tuple[str, str], datetime] = {}

    def note(key: tuple[str, str], moment: datetime) -> None:
        latest[key] = max(latest.get(key, moment), moment)

    for session_id, moment in [*connection.execute(stopped), *connection.execute(noted)]:
        note(("pain_stop", session_id), moment)
    for row_id, session_id, moment in connection.execute(worse):
        note(("worsening", session_id or f"row {row_id}"), moment)
    if also is not None:
        kind, session_id, moment = also
        note((kind, session_id), to_utc(moment))
    return sorted(_aware(v) for v in latest.values())
