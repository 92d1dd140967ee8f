"""Red-flag questions and the rules for when a guided session may start.

Pure: answers, past records and ``now`` come in as values; results go out as values.
The questions follow the clinical facts in safety.md; their wording, and all advice,
lives in messages.py. Any "yes" stops the self-guided routine and says where to go
and how soon; it is never a diagnosis. Urgency wins: an emergency answer outranks a
same-day one, which outranks "see a clinician first".
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

Group = Literal["emergency", "urgent", "clinician"]
GROUPS: tuple[Group, ...] = ("emergency", "urgent", "clinician")

RESCREEN_AFTER = timedelta(days=30)
REPEAT_PAIN_WINDOW = timedelta(days=7)
WORSENING_POINTS = 2


@dataclass(frozen=True)
class Question:
    """A red-flag question: its id and how urgent a "yes" is."""

    id: str
    group: Group


QUESTIONS: tuple[Question, ...] = (
    Question("saddle-numbness", "emergency"),
    Question("bladder-bowel", "emergency"),
    Question("both-legs", "emergency"),
    Question("sexual-function", "emergency"),
    Question("chest-pain", "emergency"),
    Question("injury", "emergency"),
    Question("fever", "urgent"),
    Question("weight-loss", "urgent"),
    Question("lump", "urgent"),
    Question("night-pain", "urgent"),
    Question("between-shoulders", "urgent"),
    Question("cancer", "clinician"),
    Question("age", "clinician"),
    Question("bones-steroids", "clinician"),
    Question("immune-infection", "clinician"),
    Question("no-improvement", "clinician"),
)
QUESTION_IDS = tuple(q.id for q in QUESTIONS)


class AnswersError(ValueError):
    """Answers that cannot be assessed: a question missing, unknown or not yes/no."""


@dataclass(frozen=True)
class Assessment:
    """The outcome of one screening: the most urgent group answered yes, if any."""

    group: Group | None
    yes: tuple[str, ...]

    @property
    def blocks(self) -> bool:
        return self.group is not None


def assess(answers: Mapping[str, object]) -> Assessment:
    """Assess a full set of yes/no answers; refuses partial, unknown or non-boolean ones."""
    problems: list[str] = []
    unknown = sorted(set(answers) - set(QUESTION_IDS))
    if unknown:
        problems.append(f"unknown question ids: {', '.join(unknown)}")
    missing = [q for q in QUESTION_IDS if q not in answers]
    if missing:
        problems.append(f"no answer for: {', '.join(missing)}")
    problems += [
        f"{q} must be true or false (got {json.dumps(answers[q], default=str)})"
        for q in QUESTION_IDS
        if q in answers and not isinstance(answers[q], bool)
    ]
    if problems:
        raise AnswersError("; ".join(problems))
    yes = tuple(q.id for q in QUESTIONS if answers[q.id] is True)
    groups = {q.group for q in QUESTIONS if q.id in yes}
    return Assessment(next((g for g in GROUPS if g in groups), None), yes)


# --- may a session start? ------------------------------------------------------------


@dataclass(frozen=True)
class Screening:
    """A stored screening: when, and what it found."""

    at: datetime
    group: Group | None


GateReason = Literal[
    "consent",
    "first",
    "clock",
    "30-days",
    "pain",
    "emergency",
    "urgent",
    "clinician",
    "repeated-pain",
    "flare-up",
]
CLOCK_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class Gate:
    """Whether a guided session may start now; if not, why (wording: messages.py).

    ``due``: the questions should be asked (again). ``blocked``: a past answer stands
    until a new screening (or, for 'clinician', a clearance) lifts it.
    """

    kind: Literal["ok", "due", "blocked"]
    reason: GateReason | None = None

    @property
    def allows(self) -> bool:
        return self.kind == "ok"


def gate(
    *,
    now: datetime,
    consent_at: datetime | None,
    last: Screening | None,
    cleared_at: datetime | None,
    pain_stops: Sequence[datetime],
    flare_alerts: Sequence[datetime] = (),
) -> Gate:
    """The rule for starting a session, from the records.

    Questions are due on first use (with the clinician-check consent), when 30 days
    have passed since the last screening, and after any pain stop (or meaningful
    worsening) since it. An emergency or same-day result blocks until a new screening
    finds nothing; a "see a clinician first" result is lifted by a clearance recorded
    after it, and by nothing else. Pain twice within 7 days blocks too, even after
    clean answers (see ``repeated_pain_since``): one rule, so no screen can say both
    "you can use the routine" and "talk to your clinician before going on". During a
    flare-up, a back worse two mornings running or a new symptom (``flare_alerts``)
    calls for the questions again, as a pain stop does.
    """
    if consent_at is None:
        return Gate("due", "consent")
    if last is None:
        return Gate("due", "first")
    if last.at - now > CLOCK_SLACK:
        # The last answers carry a time in the future: the clock was wrong then or is
        # now. Time-based rules cannot be trusted, so ask again (fail safe).
        return Gate("due", "clock")
    if now - last.at >= RESCREEN_AFTER:
        return Gate("due", "30-days")
    if any(stop > last.at for stop in pain_stops):
        return Gate("due", "pain")
    if any(alert > last.at for alert in flare_alerts):
        return Gate("due", "flare-up")
    if last.group in ("emergency", "urgent"):
        return Gate("blocked", last.group)
    if last.group == "clinician" and (cleared_at is None or cleared_at < last.at):
        return Gate("blocked", "clinician")
    repeated = repeated_pain_since(pain_stops, cleared_at)
    if repeated is not None:
        if now - repeated < RESCREEN_AFTER:
            return Gate("blocked", "repeated-pain")
        if last.at < repeated + RESCREEN_AFTER:
            return Gate("due", "30-days")  # the wait lapsed: not without new answers
    return Gate("ok")


def repeated_pain_since(
    pain_stops: Sequence[datetime], cleared_at: datetime | None
) -> datetime | None:
    """The later of the newest two pain events within 7 days of each other (pain
    stops, rises of 2+ points, or one of each), None when there are no such two.

    Pain twice within 7 days means a word with a clinician before going on: the
    routine waits until a clinician's go-ahead is recorded after the later of the two.
    Pain from before a go-ahead has been seen by the clinician and no longer counts.
    The wait lapses 30 days after the later one, and then only with new answers to
    the questions (see ``gate``).
    """
    times = sorted(t for t in pain_stops if cleared_at is None or t > cleared_at)
    pairs = [
        later
        for earlier, later in itertools.pairwise(times)
        if later - earlier < REPEAT_PAIN_WINDOW
    ]
    return pairs[-1] if pairs else None


def clearance_effect(
    last: Screening | None, pain_stops: Sequence[datetime], cleared_at: datetime | None
) -> Literal["lifts", "cannot", "nothing"]:
    """What recording a clinician's go-ahead does: it lifts a "see a clinician first"
    result and the wait after pain twice in 7 days (whether or not the questions have
    been answered since); an emergency or same-day result stands until new answers."""
    if last is not None and last.group in ("emergency", "urgent"):
        return "cannot"
    if last is not None and last.group == "clinician":
        return "lifts"
    if repeated_pain_since(pain_stops, cleared_at) is not None:
        return "lifts"
    return "nothing"


def clearance_too_old(cleared_on: date, answered_on: date) -> bool:
    """A go-ahead given more than 30 days before the answers it should lift is stale:
    the person should ask again (the same 30 days after which the questions return)."""
    return answered_on - cleared_on > RESCREEN_AFTER


def followup_kind(
    outcome: str | None, before: int | None, after: int | None
) -> Literal["pain_stop", "worsening"] | None:
    """Which follow-up a finished session needs: a pain stop wins over a rise in pain."""
    if outcome == "pain_stop":
        return "pain_stop"
    return "worsening" if worsened(before, after) else None


def repeated_pain(pain_stops: Sequence[datetime], now: datetime) -> bool:
    """Two or more pain stops within 7 days: time to contact a clinician, and step back."""
    return sum(1 for stop in pain_stops if timedelta(0) <= now - stop < REPEAT_PAIN_WINDOW) >= 2


def worsened(before: int | None, after: int | None) -> bool:
    """Pain 2 or more points higher after a session than before (0-10): a meaningful
    worsening, followed up like a pain stop."""
    return before is not None and after is not None and after - before >= WORSENING_POINTS
