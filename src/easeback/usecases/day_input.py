"""Reading the person's day from text, as the CLI options and the web form give it.

Every problem is collected, as (field, message), so all of them are shown at once.
"""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from easeback.core.plan import DaySettings


def parse_clock(value: str, option: str, problems: list[tuple[str, str]]) -> time | None:
    """HH:MM, or None with a problem noted for ``option``."""
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or len(value) != 5:
        problems.append((option, f"{value!r} is not a time; write it as HH:MM, e.g. 07:00"))
        return None
    return parsed


def read_day_options(
    settings: DaySettings,
    wake: str | None,
    bed: str | None,
    work: str | None,
    work_days: str | None,
    zone: str | None,
) -> tuple[DaySettings, list[tuple[str, str]]]:
    """The settings with each given option applied, and every problem found, as
    (option, message); options not given keep their current values."""
    from dataclasses import replace

    from easeback.core.plan import parse_days

    problems: list[tuple[str, str]] = []
    if wake is not None and (value := parse_clock(wake, "wake", problems)):
        settings = replace(settings, wake=value)
    if bed is not None and (value := parse_clock(bed, "bed", problems)):
        settings = replace(settings, bed=value)
    if work is not None:
        if work.strip().lower() == "none":
            settings = replace(settings, work_start=None, work_end=None)
        else:
            first, sep, last = (part.strip() for part in work.partition("-"))
            if not sep or len(first) != 5 or len(last) != 5:
                problems.append(("work", f"{work!r} is not HH:MM-HH:MM, e.g. 09:00-17:30, or none"))
            else:
                start = parse_clock(first, "work", problems)
                end = parse_clock(last, "work", problems)
                if start and end:
                    settings = replace(settings, work_start=start, work_end=end)
    if work_days is not None:
        try:
            settings = replace(settings, work_days=parse_days(work_days))
        except ValueError as exc:
            problems.append(("work-days", str(exc)))
    if zone is not None:
        settings = replace(settings, zone=zone.strip())
    reported = {option for option, _ in problems}
    problems += [
        (option, text)
        for option, text in ((n.replace("_", "-"), t) for n, t in settings.problems())
        if option not in reported  # a value that could not be read is reported once
    ]
    return settings, problems
