"""Recording a safety check, whichever shell asked it: the answer to "has the pain
settled?", the red-flag answers, what to say after them, and a clinician's go-ahead.
The rules stay in core/screening.py; the asking stays in the shells."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from easeback.core.screening import Assessment, Gate

# Why a screening was asked, as stored: due by the rules, or the person's own choice.
SCREENING_REASONS = {
    "consent": "first-use",
    "first": "first-use",
    "30-days": "30-days",
    "pain": "pain",
}


def record_settled(engine: Engine, settled: bool, *, at: datetime, zone: str) -> None:
    """Store whether the pain from the last session has settled."""
    from easeback.store.safety import record_followup

    record_followup(
        engine, at=at, zone=zone, kind="settled", session_id=None, settled=settled, step_back=False
    )


def advice_after_check(result: Assessment, after: Gate, *, web: bool = False) -> list[str]:
    """What to say once the answers are stored: by the most urgent thing that stands.

    A warning sign in the answers comes first, with where to go; otherwise the gate
    as it now stands decides, so clean answers after pain twice in 7 days say "talk
    to your clinician first", never "you can use the routine" as well.
    """
    from easeback.wording import messages

    if result.blocks:
        group = result.group or "none"
        advice = messages.WEB_ADVICE.get(group) if web else None
        return [advice or messages.ADVICE[group], messages.ADVICE_NOTE]
    if after.reason == "repeated-pain":
        return [messages.WEB_REPEATED_PAIN_WAIT if web else messages.REPEATED_PAIN_WAIT]
    if not after.allows:  # whatever else still stands: never "you can use the routine"
        return [messages.GATE[after.reason or "first"][0]]
    return [messages.ADVICE["none"]]


def record_answers(
    engine: Engine, answers: dict[str, bool], before: Gate, *, at: datetime, zone: str
) -> Assessment:
    """Assess and store a full set of red-flag answers (``assess`` refuses partial ones)."""
    from easeback.core.screening import assess
    from easeback.store.safety import record_screening

    result = assess(answers)
    reason = SCREENING_REASONS.get(before.reason or "", "symptoms")
    record_screening(engine, answers=answers, result=result, reason=reason, at=at, zone=zone)
    return result


class ClearanceProblem(ValueError):
    """A go-ahead that cannot be recorded as given: ``field`` ('on' or 'by') and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class GoAhead:
    """What recording a clinician's go-ahead did: 'lifts' (recorded), 'nothing' (no
    answer asked for one) or 'cannot' (an emergency or same-day answer stands, with
    its advice)."""

    effect: Literal["lifts", "cannot", "nothing"]
    on: str = ""  # YYYY-MM-DD, when recorded
    by: str | None = None
    advice: str = ""
    on_words: str = ""  # the same day in words, as a person reads it: 'Sunday 29 November'


BY_LIMIT = 120


def record_go_ahead(
    engine: Engine, *, on: str | None, by: str | None, now: datetime, zone: str
) -> GoAhead:
    """Record that a clinician said the routine is fine, when something waits for that.

    ``on`` is the day they said so (YYYY-MM-DD; today when None). Raises
    ``ClearanceProblem`` for a day that is not a date, in the future, from before the
    pain it answers, or more than 30 days before the answers it lifts.
    """
    import re

    from easeback.core.screening import clearance_effect, clearance_too_old
    from easeback.store.safety import (
        last_clearance,
        last_screening,
        pain_event_times,
        record_clearance,
    )
    from easeback.usecases.clock import local_time
    from easeback.wording import messages
    from easeback.wording.days import date_words

    today = local_time(now.replace(tzinfo=None), zone).date()
    example = f"write it as YYYY-MM-DD, e.g. {today.isoformat()}"
    if on is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", on.strip()):
        raise ClearanceProblem("on", f"{on!r} is not a date; {example}")
    try:
        cleared_on = date.fromisoformat(on.strip()) if on is not None else today
    except ValueError:
        raise ClearanceProblem("on", f"{on!r} is not a date; {example}") from None
    if cleared_on > today:
        raise ClearanceProblem(
            "on", f"{cleared_on.isoformat()} is in the future; give the day it happened"
        )
    name = by.strip() if by is not None else None
    if name is not None and not (0 < len(name) <= BY_LIMIT and name.isprintable()):
        raise ClearanceProblem("by", f"give a name of 1 to {BY_LIMIT} characters, or leave it out")
    last = last_screening(engine, now)
    pain_times = pain_event_times(engine)
    effect = clearance_effect(last, pain_times, last_clearance(engine, now))
    if effect == "cannot" and last is not None:
        return GoAhead("cannot", advice=messages.ADVICE[last.group or "none"])
    if effect == "nothing":
        return GoAhead("nothing")
    if last is None or last.group != "clinician":  # a go-ahead after repeated pain
        pained_on = local_time(pain_times[-1].replace(tzinfo=None), zone).date()
        if cleared_on < pained_on:
            raise ClearanceProblem(
                "on",
                f"{cleared_on.isoformat()} is before the pain of {pained_on.isoformat()}; give "
                "the day your clinician said it was fine after it",
            )
    elif last is not None:
        answered_on = local_time(last.at.replace(tzinfo=None), zone).date()
        if clearance_too_old(cleared_on, answered_on):
            raise ClearanceProblem(
                "on",
                f"{cleared_on.isoformat()} is more than 30 days before your answers of "
                f"{answered_on.isoformat()}; please ask your clinician again",
            )
    record_clearance(engine, at=now, zone=zone, cleared_on=cleared_on.isoformat(), by=name)
    return GoAhead("lifts", cleared_on.isoformat(), name, on_words=date_words(cleared_on, today))
