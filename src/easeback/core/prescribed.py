"""What the plan follows on a day: the article's plan, a clinician's prescription, and
a flare-up's easier plan. Pure: the stored prescription (every dose stated, as
prescribing/bundle.full gives it), the flare-up and the day come in.

- A prescription is in force from its start to its end (inclusive); after its end
  the plan falls back to the article's, with a notice.
- Its course (which stretches, in which slots), its starting doses, and a ladder for
  progression from the starting dose up to its ceiling (no ladder above the start
  when the clinician turned progression off). Times a day stay as prescribed.
- A flare-up lasts its days from the day it began, unless ended early. Meanwhile only
  the flare-up plan's stretches are due, at its easier doses, and progression waits.
  Each morning after the first the person says how the back feels compared with usual;
  worse two mornings running, or a new or changed symptom, calls for the safety
  questions and getting in touch with the clinician.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from easeback.core.plan import Course, SlotId
from easeback.core.progression import Dose, Ladder

InForce = Literal["active", "expired", "not-yet"]
Answer = Literal["better", "same", "worse", "warning", "ended"]
# A morning's answer, compared with usual; "warning" records a new or changed symptom.
MORNING_ANSWERS: tuple[Answer, ...] = ("better", "same", "worse")
ANSWERS: tuple[Answer, ...] = (*MORNING_ANSWERS, "warning")
# Without a prescription (or one without a flare-up plan), a flare-up keeps the plan's
# stretches at the article's gentlest doses for this many days.
ARTICLE_FLARE_DAYS = 3


def in_force(start: date, end: date | None, day: date) -> InForce:
    if day < start:
        return "not-yet"
    if end is not None and day > end:
        return "expired"
    return "active"


def course_of(plan: Mapping[str, Any], only: Sequence[str] | None = None) -> Course:
    """The course a prescription sets (only the stretches in ``only``, when given)."""
    slots: list[tuple[str, tuple[SlotId, ...]]] = [
        (item["id"], tuple(item["slots"]))
        for item in plan["stretches"]
        if only is None or item["id"] in only
    ]
    return Course(tuple(slots))


def starting_doses(plan: Mapping[str, Any]) -> dict[str, Dose]:
    """Each prescribed stretch's dose before any progression."""
    return {
        item["id"]: Dose(item["hold_s"], item["reps"], len(item["slots"]))
        for item in plan["stretches"]
    }


def ladders_of(plan: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Ladder]:
    """Each prescribed stretch's ladder: the hold first, 1 s at a time, then the
    repetitions, from the starting dose to the ceiling (just the start when progression
    is off). ``names``: stretch id -> name, for the words of a change."""
    out = {}
    start = starting_doses(plan)
    for item in plan["stretches"]:
        dose = start[item["id"]]
        steps = [dose]
        ceiling = item.get("ceiling") if item.get("progression") else None
        if ceiling:
            for hold in range(dose.hold_s + 1, ceiling["hold_s"] + 1):
                dose = replace(dose, hold_s=hold)
                steps.append(dose)
            for reps in range(dose.reps + 1, ceiling["reps"] + 1):
                dose = replace(dose, reps=reps)
                steps.append(dose)
        out[item["id"]] = Ladder(item["id"], names.get(item["id"], item["id"]), tuple(steps))
    return out


@dataclass(frozen=True)
class FlareState:
    """A flare-up on one day: whether it is on, which of its days this is, when it ends,
    whether this morning's question is due, and whether the answers so far call for
    the safety questions."""

    active: bool
    day_number: int
    last_day: date
    check_due: bool
    needs_safety: bool
    ended_early: bool


Check = tuple[date, str, datetime]  # a morning's answer: its day, what, when (aware)


def flare_state(
    began: date,
    days: int,
    answers: Sequence[Check],
    today: date,
    screened_at: datetime | None = None,
) -> FlareState:
    """The flare-up on ``today``. ``screened_at``: when the safety questions were last
    answered; an alert from before it is settled."""
    ended = any(answer == "ended" for _, answer, _ in answers)
    last_day = began + timedelta(days=days - 1)
    active = not ended and began <= today <= last_day
    answered_today = any(day == today and answer in ANSWERS for day, answer, _ in answers)
    return FlareState(
        active=active,
        day_number=(today - began).days + 1,
        last_day=last_day,
        check_due=active and today > began and not answered_today,
        needs_safety=any(screened_at is None or at > screened_at for at in alert_times(answers)),
        ended_early=ended,
    )


def alert_times(checks: Sequence[Check]) -> list[datetime]:
    """When a morning's answer called for the safety questions: a new or changed
    symptom, or the second of two mornings running that were worse. The gate asks the
    questions again after any of these, as after a pain stop (core/screening.py)."""
    worse = {day for day, answer, _ in checks if answer == "worse"}
    return sorted(
        at
        for day, answer, at in checks
        if answer == "warning" or (answer == "worse" and day - timedelta(days=1) in worse)
    )


def flare_doses(plan: Mapping[str, Any] | None) -> dict[str, tuple[int, int]] | None:
    """stretch -> (hold, repetitions) of a prescription's flare-up plan, or None when
    it has none."""
    if plan is None or not plan.get("flare_up"):
        return None
    return {d["id"]: (d["hold_s"], d["reps"]) for d in plan["flare_up"]["stretches"]}


def flare_days(plan: Mapping[str, Any] | None) -> int:
    if plan is None or not plan.get("flare_up"):
        return ARTICLE_FLARE_DAYS
    days: int = plan["flare_up"]["days"]
    return days
