"""Reading who the documents are about from text, as `easeback setup` options and the
Your day form give it: a name, a date of birth, a clinic identifier.

An option left out keeps its value; an empty one clears it. Every problem is
collected, as (option, message), so all of them are shown at once.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from easeback.core.profile import Profile

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_birth_date(text: str) -> date | None:
    """YYYY-MM-DD (ASCII digits), else None."""
    if not ISO_DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def read_profile_options(
    current: Profile,
    name: str | None,
    birth_date: str | None,
    clinic_id: str | None,
    *,
    today: date,
) -> tuple[Profile, list[tuple[str, str]]]:
    """The profile with each given option applied, and every problem found, as
    (option, message) with the option as the command line names it."""
    problems: list[tuple[str, str]] = []
    profile = current
    if name is not None:
        profile = replace(profile, name=name.strip() or None)
    if clinic_id is not None:
        profile = replace(profile, clinic_id=clinic_id.strip() or None)
    if birth_date is not None:
        text = birth_date.strip()
        parsed = parse_birth_date(text) if text else None
        if text and parsed is None:
            problems.append(
                (
                    "birth-date",
                    f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 1974-05-02",
                )
            )
        else:
            profile = replace(profile, birth_date=parsed)
    problems += [(option.replace("_", "-"), text) for option, text in profile.problems(today)]
    return profile, problems
