"""The audit log: every read of a patient's records by someone else, and every
refused attempt, without health data (who, whose, what kind of page, when)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select

from easeback.server.schema import accounts, audit
from easeback.store.schema import to_utc


@dataclass(frozen=True)
class Seen:
    at: datetime
    who: str
    role: str
    action: str


def record(
    connection: Connection,
    *,
    actor_id: str | None,
    patient_id: str | None,
    action: str,
    outcome: str,
    address: str | None,
    now: datetime,
) -> None:
    connection.execute(
        insert(audit).values(
            at_utc=to_utc(now),
            actor_id=actor_id,
            patient_id=patient_id,
            action=action[:60],
            outcome=outcome[:16],
            address=(address or "")[:64] or None,
        )
    )


def seen_by_others(connection: Connection, patient_id: str, limit: int = 200) -> list[Seen]:
    """Who else opened this patient's records, newest first (for the patient's page)."""
    rows = connection.execute(
        select(audit.c.at_utc, accounts.c.name, accounts.c.role, audit.c.action)
        .join(accounts, accounts.c.id == audit.c.actor_id)
        .where(
            audit.c.patient_id == patient_id,
            audit.c.actor_id != patient_id,
            audit.c.outcome == "ok",
        )
        .order_by(audit.c.at_utc.desc(), audit.c.id.desc())
        .limit(limit)
    )
    return [Seen(r.at_utc.replace(tzinfo=UTC), r.name, r.role, r.action) for r in rows]
