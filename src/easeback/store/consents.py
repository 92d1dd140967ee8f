"""The clinician-check consent the seed asks for before a first session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select

from easeback.store.schema import consents, to_utc

CLINICIAN_CHECK = "clinician_check"


@dataclass(frozen=True)
class Consent:
    kind: str
    wording: str
    given_utc: datetime
    zone: str


def record_consent(engine: Engine, *, wording: str, given: datetime, zone: str) -> None:
    """Append a consent; earlier ones are kept, never overwritten."""
    with engine.begin() as connection:
        connection.execute(
            insert(consents).values(
                kind=CLINICIAN_CHECK, wording=wording, given_utc=to_utc(given), zone=zone
            )
        )


def latest_consent(engine: Engine) -> Consent | None:
    query = (
        select(consents)
        .where(consents.c.kind == CLINICIAN_CHECK)
        .order_by(consents.c.given_utc.desc(), consents.c.id.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    if row is None:
        return None
    return Consent(row["kind"], row["wording"], row["given_utc"], row["zone"])
