"""Storing who the documents are about. Append-only, like the day settings: each
change adds a whole row, and the newest row holds."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from easeback.core.profile import Profile
from easeback.store.schema import profiles, to_utc


def save_profile(engine: Engine, profile: Profile, *, at: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(insert(profiles).values(at_utc=to_utc(at), **profile_to_row(profile)))


def latest_profile(engine: Engine) -> Profile:
    """The profile as last given (nothing given: every part None)."""
    query = select(profiles).order_by(profiles.c.at_utc.desc(), profiles.c.id.desc()).limit(1)
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    return profile_from_row(dict(row)) if row is not None else Profile()


def profile_to_row(profile: Profile) -> dict[str, Any]:
    birth = profile.birth_date
    return {
        "name": profile.name,
        "birth_date": birth.isoformat() if birth else None,
        "clinic_id": profile.clinic_id,
    }


def profile_from_row(row: Mapping[str, Any]) -> Profile:
    birth = row["birth_date"]
    return Profile(
        name=row["name"],
        birth_date=date.fromisoformat(birth) if birth else None,
        clinic_id=row["clinic_id"],
    )
