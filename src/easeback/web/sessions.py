"""Sessions played in the browser: which routine to play, opening a session,
accepting its events (once each, whatever the retries) and the ratings after it.

The browser plays the timeline made here; these functions are what the page and
the API routes call, so neither holds a rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from easeback.core.outcome import ENDINGS
from easeback.core.player import MAX_SPEED
from easeback.wording import messages

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from easeback.content.models import Library, Routine
    from easeback.core.timeline import Timeline
    from easeback.store.sessions import NewEvent, Opening, StoredSession


class PlayRequestError(ValueError):
    """A routine, slot or speed the player cannot play; ``missing`` for an unknown name."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class Chosen:
    """What a player page will play: the routine, and the plan slot it is for."""

    routine: Routine
    slot: str | None
    plan_date: str | None
    speed: float

    @property
    def length_text(self) -> str:
        """'About 4 minutes': how long the session takes at its speed, shown before Begin.
        Read from the timeline the player will play, the one place that times it."""
        from easeback.usecases.lengths import routine_ms
        from easeback.wording.days import length_words

        return length_words(round(routine_ms(self.routine) / self.speed)).capitalize()


def choose_routine(
    db: Any, *, slot: str | None, routine: str | None, speed: float
) -> Chosen | None:
    """A built-in routine by name, or a slot of today's plan (the next one when neither
    is named, None when nothing more is due). Files are never read from the web."""
    from easeback.content.library import BUILTIN_ROUTINES, load_routine
    from easeback.core.plan import SLOT_IDS
    from easeback.usecases.today import slot_routine

    if not 1 <= speed <= MAX_SPEED:
        raise PlayRequestError(messages.WEB_BAD_SPEED.format(speed=speed, most=MAX_SPEED))
    if slot is not None and routine is not None:
        raise PlayRequestError("give a slot or a routine, not both")
    if routine is not None:
        if routine not in BUILTIN_ROUTINES:
            raise PlayRequestError(
                f"there is no routine called {routine!r}; choose one of "
                f"{', '.join(BUILTIN_ROUTINES)}",
                missing=True,
            )
        return Chosen(load_routine(routine), None, None, speed)
    if slot is not None and slot not in SLOT_IDS:
        raise PlayRequestError(
            f"there is no time of day called {slot!r}; choose morning, daytime or evening",
            missing=True,
        )
    found = slot_routine(db, slot)
    if found is None:
        return None
    chosen, slot_id, plan_date = found
    return Chosen(chosen, slot_id, plan_date, speed)


class NotAllowed(Exception):
    """The safety rules do not allow a session now; ``reason`` is the gate's."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def words(self) -> str:
        """Why not, and what to do first, in one line (the API's 409, the page's note)."""
        return refusal_words(self.reason)


class SessionClash(Exception):
    """A session id the store already holds, asked to open something else: the page
    made an id that another session has, or changed the request on a retry."""


class ClockAhead(ValueError):
    """A session said to begin later than the device's clock may plausibly run ahead."""


def refusal_words(reason: str) -> str:
    """The gate's reason and the next step, as the page and the API say them."""
    why, _ = messages.GATE[reason]
    next_step = messages.WEB_GATE_NEXT.get(reason, messages.WEB_GATE_NEXT_QUESTIONS)
    return f"{why} {next_step}"


# A device's clock may run a little ahead of this one; a start later than this is a
# wrong clock, not a session that happened.
AHEAD = timedelta(minutes=5)


def play_plan(engine: Engine, chosen: Chosen) -> dict[str, Any]:
    """What a player page needs to begin with no network: the timeline and the words
    for ``chosen``, and whether the safety rules allow a session now (the page keeps
    that answer while it is offline, so a blocked routine stays blocked there)."""
    from easeback.content.library import load_library
    from easeback.core.timeline import build_timeline
    from easeback.store.safety import current_gate
    from easeback.usecases.clock import wall_now

    library = load_library()
    timeline = build_timeline(chosen.routine, library)
    state = current_gate(engine, wall_now())
    return {
        "title": chosen.routine.display_title,
        "slot": chosen.slot,
        "allowed": state.allows,
        "refusal": None if state.allows else refusal_words(state.reason or "first"),
        "timeline": timeline.to_json(),
        "labels": phase_words(timeline, library),
    }


def start_session(
    engine: Engine,
    chosen: Chosen,
    pain_before: int | None,
    *,
    session_id: str | None = None,
    started: datetime | None = None,
    zone: str | None = None,
) -> dict[str, Any]:
    """Open a web session for ``chosen`` (when the safety rules allow) and return what
    the browser plays: the session id, the timeline and the words to show.

    A page that may be offline makes the id itself and says when it began
    (``started``, aware, in ``zone``): its request may arrive late, from its outbox,
    and more than once. The same request again returns the stored session; another
    one under a stored id raises ``SessionClash``. A late start is judged by the
    safety rules as they stood when it began."""
    from easeback.content.library import load_library
    from easeback.core.timeline import build_timeline
    from easeback.store.plan import changes_after_last_session
    from easeback.store.safety import current_gate
    from easeback.store.sessions import open_session, session_opening
    from easeback.usecases.aftercare import catch_up_progress, save_pain
    from easeback.usecases.clock import wall_now
    from easeback.usecases.recording import write_waiting
    from easeback.usecases.today import person_zone, slot_filled

    library = load_library()
    timeline = build_timeline(chosen.routine, library)
    now = wall_now()
    if started is not None and started - now > AHEAD:
        raise ClockAhead(messages.WEB_START_AHEAD)
    if session_id is not None and (known := session_opening(engine, session_id)):
        return _opened_again(
            engine, chosen, session_id, known, timeline, pain_before, started, zone
        )
    write_waiting(engine)  # a session saved late may hold a pain stop the gate must see
    when = started or now
    state = current_gate(engine, when)
    if not state.allows:
        raise NotAllowed(state.reason or "first")
    catch_up_progress(engine)
    since = changes_after_last_session(engine)
    slot, plan_date = chosen.slot, chosen.plan_date
    if slot is None and (filled := slot_filled(engine, timeline, when)):
        slot, plan_date = filled  # a routine by name counts for the slot it fills
    try:
        session_id = open_session(
            engine,
            timeline,
            session_id=session_id,
            title=chosen.routine.display_title,
            speed=chosen.speed,
            started=when,
            zone=zone or person_zone(engine),
            player="web",
            slot=slot,
            plan_date=plan_date,
        )
    except IntegrityError:
        # The same request, twice at once (a retry racing its original): the other
        # one stored it; answer as for a retry.
        known = session_opening(engine, session_id or "")
        if known is None or session_id is None:
            raise
        return _opened_again(
            engine, chosen, session_id, known, timeline, pain_before, started, zone
        )
    save_pain(engine, session_id, "before", pain_before)
    return {
        "id": session_id,
        "speed": chosen.speed,
        "title": chosen.routine.display_title,
        "since_last_time": [f"{c[:1].upper()}{c[1:]}." for c in since],
        "timeline": timeline.to_json(),
        "labels": phase_words(timeline, library),
    }


def _opened_again(
    engine: Engine,
    chosen: Chosen,
    session_id: str,
    known: Opening,
    timeline: Timeline,
    pain_before: int | None,
    started: datetime | None,
    zone: str | None,
) -> dict[str, Any]:
    """A request to open a session already stored: the same one again (a retry) gets
    the stored session, anything else raises ``SessionClash``."""
    from easeback.content.library import load_library
    from easeback.store.schema import to_utc
    from easeback.usecases.aftercare import save_pain

    same = (
        known.timeline.to_json() == timeline.to_json()
        and known.speed == chosen.speed
        and (started is None or to_utc(started) == known.started_utc)
        and (zone is None or zone == known.zone)
        and known.pain_before in (None, pain_before)
    )
    if not same:
        raise SessionClash(messages.WEB_SESSION_CLASH.format(id=session_id))
    if known.pain_before is None:
        save_pain(engine, session_id, "before", pain_before)  # lost with a first try
    return {
        "id": session_id,
        "speed": known.speed,
        "title": chosen.routine.display_title,
        "since_last_time": [],
        "timeline": known.timeline.to_json(),
        "labels": phase_words(known.timeline, load_library()),
    }


def phase_words(timeline: Timeline, library: Library) -> list[dict[str, Any]]:
    """What the player shows for each phase, from the same labels as the terminal, and
    the ticks it sounds in a hold's last seconds (``ticks_ms``, ms of the timeline: the
    track's rule, so the page writes no timing rule of its own)."""
    from easeback.audio.sounds import tick_starts_ms
    from easeback.wording.labels import (
        next_label,
        phase_detail,
        phase_headline,
        phase_label,
        stretch_name,
        stretch_position,
    )

    words = []
    for index, phase in enumerate(timeline.phases):
        n, m = stretch_position(timeline, index)
        words.append(
            {
                "stretch": stretch_name(phase, library),
                "label": phase_label(phase),
                # The player's big line, its small print and its look (issue 15).
                "kind": phase.kind,
                "headline": phase_headline(phase),
                "detail": phase_detail(phase),
                "position": f"Stretch {n} of {m}" if n else "",
                "next": f"Next: {next_label(timeline, index, library)}",
                "figure": figure_for(timeline, index),
                "ticks_ms": (
                    tick_starts_ms(phase.start_ms, phase.end_ms) if phase.kind == "hold" else []
                ),
            }
        )
    return words


# Pictures (issue 15): the player's figure for each phase.
def figure_for(timeline: Timeline, index: int) -> dict[str, Any] | None:
    """The player's picture for a phase: the step's moving picture (its address and
    words) and how the page moves it on its clock (``pictures.phases``)."""
    from easeback.pictures.catalogue import catalogue
    from easeback.pictures.phases import phase_picture
    from easeback.web.pictures import picture_url

    chosen = phase_picture(timeline, index)
    if chosen is None:
        return None
    return {
        "src": picture_url(chosen.name),
        "alt": catalogue()[chosen.name].alt,
        "motion": chosen.motion,
    }


def accept_events(
    engine: Engine, session: StoredSession, batch: list[NewEvent]
) -> tuple[int, list[str]]:
    """Store a batch of events once each; a pain stop is followed up and folded into
    progression at once (a step back). Other endings wait for the rating after the
    session, as in the terminal, so a rise in pain is counted with them. Returns how
    many were new, and what to tell the person.

    The follow-up is made whenever the session holds a pain stop and has none yet: a
    try that stored the events but could not write the follow-up (the store was
    taken by another program in between) is made whole by the page's retry."""
    from easeback.store.sessions import add_events
    from easeback.usecases.aftercare import catch_up_progress, follow_up

    kinds = add_events(engine, session, batch)
    said: list[str] = []
    if "pain_stop" in kinds or session.outcome == "pain_stop":
        if follow_up(engine, session.id, "pain_stop"):
            said.append(messages.WEB_REPEATED_PAIN)
        catch_up_progress(engine)
    if set(ENDINGS) & set(kinds):
        # The session is over: when linked, the clinic hears of it now, even if the
        # page is closed before the rating (which syncs again).
        from easeback.web.sync_pages import sync_soon

        sync_soon(engine)
    return len(kinds), said


def rate_after(engine: Engine, session: StoredSession, value: int | None) -> list[str]:
    """Store the rating after a session (the first one given wins) and follow up a rise
    of 2 points or more. Returns what to tell the person.

    As with a pain stop, the follow-up is made whenever the stored ratings call for
    one and it is missing, so a try that stored the rating but not the follow-up is
    made whole by the page's retry."""
    from easeback.core.screening import followup_kind
    from easeback.store.safety import followed_up, session_pain
    from easeback.usecases.aftercare import catch_up_progress, follow_up, save_pain
    from easeback.web.sync_pages import sync_soon

    given = session_pain(engine, session.id)
    if "after" not in given and value is not None:
        save_pain(engine, session.id, "after", value)
        given["after"] = value
    before, after = given.get("before"), given.get("after")
    said: list[str] = []
    if followup_kind(session.outcome, before, after) == "worsening" and not followed_up(
        engine, session.id, "worsening"
    ):
        said.append(messages.WORSENED.format(rise=(after or 0) - (before or 0)))
        if follow_up(engine, session.id, "worsening"):
            said.append(messages.WEB_REPEATED_PAIN)
    catch_up_progress(engine)  # rated, skipped or rated before: count the session now
    sync_soon(engine)  # when linked, in the background: the page never waits for it
    return said
