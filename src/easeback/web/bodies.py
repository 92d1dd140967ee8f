"""The JSON API's request and response bodies, as Pydantic models: the contract a
client is generated from (``/api/openapi.json``), and what every route is checked
against before it answers.

Requests are strict (a string is not a number, unknown fields are refused), with
one allowance: a whole number may come as ``4.0``, since many JSON writers send
every number that way; ``4.5`` is still refused where a whole number is wanted.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from easeback.core.outcome import Shown
from easeback.core.timeline import PhaseKind
from easeback.store.faults import Fault
from easeback.usecases.diary_input import NOTE_LIMIT

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SlotId = Literal["morning", "daytime", "evening"]
EventKind = Literal[
    "started", "phase", "paused", "resumed", "skipped", "pain_stop", "completed", "quit"
]


def _whole(value: Any) -> Any:
    """4.0 is the whole number 4; anything else goes on to the strict check."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@cache
def _zones() -> set[str]:
    return available_timezones()


def _iso_time(value: Any) -> Any:
    """An ISO 8601 text as a datetime (a trailing Z allowed); anything else goes on."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("must be an ISO 8601 time such as 2026-11-25T07:00:00Z") from None
    return value


def _zone(value: str | None) -> str | None:
    if value is not None and value not in _zones():
        raise ValueError("must be an IANA time zone such as Europe/Paris")
    return value


def _aware(value: datetime) -> datetime:
    if value.utcoffset() is None:
        raise ValueError("must carry its offset from UTC, e.g. a trailing Z")
    return value


Whole = Annotated[int, BeforeValidator(_whole)]
# A wall time as the device sent it: ISO 8601 (a trailing Z allowed), with its offset.
WallTime = Annotated[datetime, BeforeValidator(_iso_time), AfterValidator(_aware)]
# The device's IANA time zone, one this machine knows.
DeviceZone = Annotated[str, Field(max_length=64), AfterValidator(_zone)]
Uuid = Annotated[str, Field(pattern=UUID_PATTERN, description="A UUID made by the client.")]
Pain = Annotated[Whole, Field(ge=0, le=10, description="0 (no pain) to 10 (worst).")]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ------------------------------------------------------------------------------


class FieldProblem(Reply):
    loc: list[str | int] = Field(
        description='Where the wrong value is, e.g. ["body", "events", 0, "phase"].'
    )
    msg: str = Field(description="What is wrong with it, e.g. 'must be 10 or less'.")


class ErrorBody(Reply):
    """Every error the API answers has this one shape."""

    detail: str = Field(description="What went wrong and what to do, in plain words.")
    errors: list[FieldProblem] = Field(description="Each wrong value (422), else empty.")
    cause: Fault | None = Field(
        description="Why the store could not be used (503 only): locked by another "
        "program, disk full, read-only, damaged, or a disk error.",
    )


# --- requests ----------------------------------------------------------------------------


class SessionRequest(Request):
    """Which routine to play: a built-in routine by name, or a slot of today's plan
    (leave both out for the next slot due)."""

    routine: Literal["default", "bed", "office"] | None = None
    slot: SlotId | None = None
    speed: float = Field(default=1.0, ge=1, le=500, description="1 is real time.")
    pain_before: Pain | None = None
    # A page that may be offline makes the session itself: its id, when it began and
    # in which zone. Sent again (a retry) the same request opens nothing new.
    id: Uuid | None = Field(
        default=None,
        description="The session's id, made by the client so the request can be sent "
        "again: the same request twice opens one session; another request under a "
        "stored id is refused (409).",
    )
    started: WallTime | None = Field(
        default=None,
        description="When the session began on the device, with its offset (a session "
        "played offline is opened late); at most 5 minutes after the server's time.",
    )
    zone: DeviceZone | None = Field(
        default=None, description="The device's IANA time zone, e.g. Europe/Paris."
    )


class EventIn(Request):
    """One player event, as the browser made it."""

    id: Uuid
    seq: Whole = Field(ge=0, le=100_000)
    kind: EventKind
    phase: Whole = Field(ge=0, le=100_000, description="Index of the phase in the timeline.")
    position_ms: Whole = Field(ge=0, le=2**40, description="Where in the timeline (clamped).")
    offset_ms: Whole = Field(
        ge=0, le=2**40, description="ms since the session started (pauses included)."
    )
    at: WallTime = Field(description="Wall time with its offset, e.g. 2026-11-25T07:00:00Z.")


class EventBatch(Request):
    events: list[EventIn] = Field(min_length=1, max_length=500)


class DiaryEntryIn(Request):
    """A diary line written on the device (perhaps offline, sent later from its outbox):
    a pain score, a note, or both."""

    id: Uuid = Field(description="Made by the page: the same entry sent twice is stored once.")
    at: WallTime = Field(description="When it was written, with its offset.")
    zone: DeviceZone | None = Field(default=None, description="The device's IANA zone.")
    pain: Pain | None = None
    note: str | None = Field(default=None, max_length=NOTE_LIMIT)
    share: bool = Field(default=False, description="Include the note in clinician reports.")


class PainIn(Request):
    """The rating after a session; null when the person skipped it."""

    moment: Literal["after"]
    value: Pain | None


# --- replies -----------------------------------------------------------------------------


class SlotStretch(Reply):
    id: str
    hold_s: int
    reps: int
    sides: list[str] | None = Field(
        default=None, description="Only these steps (by side or direction), as prescribed."
    )


class Slot(Reply):
    id: SlotId
    time: str = Field(description="HH:MM, 24-hour, in the day's zone.")
    where: str
    status: Literal["done", "stopped", "missed", "next", "later"]
    stretches: list[SlotStretch]


class Today(Reply):
    """Today's plan: slots with their times, doses and status."""

    date: str = Field(description="The local date, YYYY-MM-DD.")
    zone: str = Field(description="The IANA zone the times are in.")
    now: str = Field(description="The time now, HH:MM, 24-hour.")
    set_up: bool = Field(description="False while the times assume the default day.")
    slots: list[Slot]
    next: SlotId | None
    plan: PlanSource
    week: WeekSoFar


class WeekSoFar(Reply):
    """This week so far (Monday to today): sessions played to the end, facts only."""

    sessions: int = Field(description="Sessions finished this week, not rehearsals.")
    days: int = Field(description="The days they fell on.")
    words: str | None = Field(description="A line saying so; null when there are none yet.")


class FlareUpState(Reply):
    """A flare-up on today's plan."""

    active: bool
    began: str
    day: int = Field(description="Which day of the flare-up today is (1 = the first).")
    days: int
    last_day: str
    check_due: bool = Field(description="This morning's question is still to be answered.")
    needs_safety: bool = Field(description="The answers call for the safety questions.")
    advice: str = Field(description="What to do meanwhile.")
    contact: str = Field(description="When to get in touch, and how.")
    from_clinician: bool = Field(description="The advice is the clinician's own words.")


class PlanSource(Reply):
    """Where today's plan comes from: the article, or a clinician's prescription."""

    source: Literal["article", "prescription"]
    id: str | None = None
    version: int | None = None
    clinician: dict[str, str] | None = None
    issued: str | None = None
    start: str | None = None
    end: str | None = None
    note: str | None = None
    text: str | None = Field(default=None, description="'Prescribed by ... on ..., version N'.")
    notice: str | None = Field(default=None, description="A prescription that has ended.")
    flare_up: FlareUpState | None = None


class Phase(Reply):
    kind: PhaseKind
    stretch: str | None
    side: Literal["left", "right", "both"] | None
    direction: Literal["feet", "head"] | None
    rep: int | None
    reps: int | None
    start_ms: int
    duration_ms: int
    say: str


class Timeline(Reply):
    routine: str
    total_ms: int
    phases: list[Phase]


class FigureRef(Reply):
    """A phase's picture: its address, its words, and how it moves on the page's clock:
    ``show`` start to hold and back, ``hold`` start to hold then still, ``release``
    back to the start, ``still`` the start."""

    src: str
    alt: str
    motion: Literal["show", "hold", "release", "still"]


class PhaseWords(Reply):
    stretch: str
    label: str
    position: str
    next: str
    figure: FigureRef | None
    # The player's big line, its small print and its look (issue 15).
    kind: str = Field(description="The phase's kind, as in the timeline: it sets the look.")
    headline: str = Field(description="Kind and side, read from the mat: 'Hold · left'.")
    detail: str = Field(description="Direction and repetition: 'Towards the feet · 3 of 5'.")
    ticks_ms: list[int] = Field(
        description="Where the soft ticks of a hold's last seconds fall (ms since the "
        "timeline's start; empty for other phases): the audio track's rule, for the page."
    )


class SessionStarted(Reply):
    """A session just opened: what the browser plays."""

    id: str
    speed: float
    title: str
    since_last_time: list[str] = Field(description="Dose changes since the last session.")
    timeline: Timeline
    labels: list[PhaseWords] = Field(description="What to show for each phase, in order.")


class PlayPlan(Reply):
    """What a player page needs to begin with no network (kept by the service worker)."""

    title: str
    slot: SlotId | None = Field(description="The plan's slot it plays, if any.")
    allowed: bool = Field(description="Whether the safety rules allowed a session then.")
    refusal: str | None = Field(description="Why not, and what to do first; null if allowed.")
    timeline: Timeline
    labels: list[PhaseWords] = Field(description="What to show for each phase, in order.")


class SessionSummary(Reply):
    id: str
    routine: str
    title: str
    started_utc: str
    zone: str
    rehearsal: bool
    speed: float
    player: str
    planned_ms: int
    elapsed_ms: int
    holds_started: int
    outcome: Shown = Field(
        description="How it ended; 'playing' while it could still be running elsewhere."
    )
    pain_before: int | None
    pain_after: int | None


class StoredEvent(Reply):
    id: str | None = Field(description="The client's id; null for a terminal session.")
    seq: int
    kind: EventKind
    phase: int
    position_ms: int
    offset_ms: int


class SessionDetail(Reply):
    id: str
    outcome: Shown
    speed: float
    timeline: Timeline
    events: list[StoredEvent]


class DiaryStored(Reply):
    id: str = Field(description="The entry's id, as the page made it.")
    stored: bool = Field(description="False when it was stored before (a resend).")


class Said(Reply):
    messages: list[str] = Field(description="What to tell the person, if anything.")


class EventsStored(Said):
    stored: int = Field(description="Events newly stored.")
    already_stored: int = Field(description="Events of the batch stored before (a retry).")
