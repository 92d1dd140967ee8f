"""The JSON API under /api/: what the browser player and scripts call.

Bodies are Pydantic models, so a wrong value is answered with 422 and the path of
the field; every state-changing call needs the CSRF header (see security.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader
from pydantic import Field

from easeback.content.models import Stretch
from easeback.usecases.clock import wall_now
from easeback.web.bodies import (
    UUID_PATTERN,
    DiaryEntryIn,
    DiaryStored,
    ErrorBody,
    EventBatch,
    EventsStored,
    PainIn,
    Said,
    SessionDetail,
    SessionRequest,
    SessionStarted,
    SessionSummary,
    Today,
)
from easeback.web.responses import db, store_of
from easeback.web.security import CSRF_COOKIE
from easeback.wording import messages

# Documents the CSRF token for generated clients; the app's middleware enforces it
# (with the Origin check) before any route runs.
csrf_token = APIKeyHeader(
    name="X-CSRF-Token",
    scheme_name="csrfToken",
    description=f"Every POST must echo the value of the `{CSRF_COOKIE}` cookie, which "
    "easeback sets on the first answer to a client without it (any page, or "
    "GET /api/today), and send that cookie with it. Without both: 403.",
    auto_error=False,
)
CHANGES = [Security(csrf_token)]

WHY = {
    400: "The Host header does not name this machine (localhost, 127.0.0.1 or [::1] "
    "with the app's port).",
    403: "The CSRF token is missing or wrong, or the request came from another site.",
    404: "There is no such session or stretch.",
    409: "Not now: the safety rules ask for the questions first, nothing more is due "
    "today, an event contradicts one already stored, or another session already has "
    "this id.",
    416: "The byte range asked for is outside the file.",
    422: "A value is wrong: `errors` names each one and what is wrong with it.",
    503: "The store cannot be used just now: `cause` says why. Nothing already saved is "
    "lost; try again after Retry-After seconds when it is given.",
}


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route can give, each with the one error shape."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in (400, *statuses):
        out[status] = {"model": ErrorBody, "description": WHY[status]}
    if 503 in statuses:
        out[503]["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before trying again (when the fault passes).",
                "schema": {"type": "integer"},
            }
        }
    return out


router = APIRouter(prefix="/api", tags=["api"])

SessionId = Annotated[str, Field(pattern=UUID_PATTERN)]
MAX_OFFSET_MS = 2**31 - 1  # a session paused for weeks still fits the column


def _session(request: Request, session_id: str) -> Any:
    from easeback.store.sessions import find_session
    from easeback.usecases.clock import wall_now

    found = find_session(store_of(request), session_id, now=wall_now())
    if found is None:
        raise HTTPException(404, f"no session with id {session_id}")
    return found


@router.get("/today", response_model=Today, responses=answers(503))
def today(request: Request) -> dict[str, Any]:
    """Today's plan: slots with their times, doses and status."""
    from easeback.usecases.today import person_today

    view: dict[str, Any] = person_today(db(request))
    return view


@router.get("/stretches", response_model=list[Stretch], responses=answers())
def stretches() -> list[Stretch]:
    """The stretch library."""
    from easeback.content.library import load_library

    return load_library().stretches


@router.get("/stretches/{stretch_id}", response_model=Stretch, responses=answers(404, 422))
def stretch(stretch_id: Annotated[str, Field(max_length=60)]) -> Stretch:
    """One stretch of the library."""
    from easeback.content.library import load_library

    found = load_library().get(stretch_id)
    if found is None:
        raise HTTPException(404, f"no stretch with id {stretch_id!r}")
    return found


@router.get("/sessions", response_model=list[SessionSummary], responses=answers(422, 503))
def sessions(
    request: Request, limit: Annotated[int, Query(ge=1, le=10_000)] = 50
) -> list[dict[str, Any]]:
    """Past sessions, newest first."""
    from easeback.store.sessions import list_sessions
    from easeback.usecases.clock import wall_now

    return [s.to_json() for s in list_sessions(store_of(request), limit, now=wall_now())]


@router.post(
    "/sessions",
    status_code=201,
    response_model=SessionStarted,
    responses={
        200: {"model": SessionStarted, "description": "The same request again: nothing new."},
        **answers(403, 409, 422, 503),
    },
    dependencies=CHANGES,
)
def create_session(request: Request, response: Response, body: SessionRequest) -> dict[str, Any]:
    """Open a session and return its timeline (refused with 409 when the safety rules
    say not now, with the reason). With a client-made ``id`` the request may be sent
    again: the same request answers 200 with the stored session, another one under
    that id is refused with 409."""
    from easeback.store.sessions import session_opening
    from easeback.web.sessions import (
        ClockAhead,
        NotAllowed,
        PlayRequestError,
        SessionClash,
        choose_routine,
        start_session,
    )

    try:
        chosen = choose_routine(db(request), slot=body.slot, routine=body.routine, speed=body.speed)
    except PlayRequestError as exc:
        raise HTTPException(422, str(exc)) from None
    if chosen is None:
        raise HTTPException(409, messages.WEB_ALL_DONE)
    engine = store_of(request)
    session_id = body.id.lower() if body.id else None
    if session_id and session_opening(engine, session_id):
        response.status_code = 200  # a retry: nothing new is opened
    try:
        return start_session(
            engine,
            chosen,
            body.pain_before,
            session_id=session_id,
            started=body.started,
            zone=body.zone,
        )
    except NotAllowed as exc:
        raise HTTPException(409, exc.words) from None
    except SessionClash as exc:
        raise HTTPException(409, str(exc)) from None
    except ClockAhead as exc:
        raise RequestValidationError(
            [{"loc": ("body", "started"), "type": "value_error", "ctx": {"error": str(exc)}}]
        ) from None


@router.get(
    "/sessions/{session_id}", response_model=SessionDetail, responses=answers(404, 422, 503)
)
def session(request: Request, session_id: SessionId) -> dict[str, Any]:
    """One session: its timeline, outcome so far and stored events."""
    from easeback.store.sessions import session_events

    found = _session(request, session_id)
    rows = session_events(store_of(request), session_id)
    return {
        "id": found.id,
        "outcome": found.outcome,
        "speed": found.speed,
        "timeline": found.timeline.to_json(),
        "events": [
            {
                "id": r["client_id"],
                "seq": r["seq"],
                "kind": r["kind"],
                "phase": r["phase_index"],
                "position_ms": r["position_ms"],
                "offset_ms": r["offset_ms"],
            }
            for r in rows
        ],
    }


@router.post(
    "/sessions/{session_id}/events",
    response_model=EventsStored,
    responses=answers(403, 404, 409, 422, 503),
    dependencies=CHANGES,
)
def add_events(request: Request, session_id: SessionId, body: EventBatch) -> dict[str, Any]:
    """Store events once each (ids already stored are skipped); 409 when an event
    contradicts a stored one."""
    from easeback.store.sessions import EventConflict, NewEvent
    from easeback.web.sessions import accept_events

    found = _session(request, session_id)
    phases = len(found.timeline.phases)
    bad = [i for i, e in enumerate(body.events) if e.phase >= phases]
    if bad:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "events", i, "phase"),
                    "type": "value_error",
                    "ctx": {"error": f"must be 0 to {phases - 1}: the phases of this session"},
                }
                for i in bad
            ]
        )
    received = wall_now()
    batch = [
        NewEvent(
            client_id=e.id.lower(),
            seq=e.seq,
            kind=e.kind,
            phase_index=e.phase,
            position_ms=min(e.position_ms, found.timeline.total_ms),
            offset_ms=min(e.offset_ms, MAX_OFFSET_MS),
            # A device clock running ahead must not date a pain stop in the future,
            # where the safety rules would not see it yet.
            wall=min(e.at, received),
        )
        for e in body.events
    ]
    try:
        stored, said = accept_events(store_of(request), found, batch)
    except EventConflict as exc:
        raise HTTPException(409, str(exc)) from None
    return {"stored": stored, "already_stored": len(batch) - stored, "messages": said}


@router.post(
    "/sessions/{session_id}/pain",
    response_model=Said,
    responses=answers(403, 404, 422, 503),
    dependencies=CHANGES,
)
def rate(request: Request, session_id: SessionId, body: PainIn) -> dict[str, Any]:
    """The rating after a session; a rise of 2 or more is followed up."""
    from easeback.web.sessions import rate_after

    found = _session(request, session_id)
    return {"messages": rate_after(store_of(request), found, body.value)}


@router.post(
    "/diary",
    status_code=201,
    response_model=DiaryStored,
    responses={
        200: {"model": DiaryStored, "description": "Stored before: nothing new."},
        **answers(403, 422, 503),
    },
    dependencies=CHANGES,
)
def add_diary_entry(request: Request, response: Response, body: DiaryEntryIn) -> dict[str, Any]:
    """A diary entry written on the device, perhaps while it was offline: stored once
    by its id, whatever the resends."""
    from easeback.store.diary import add_entry, entry_id
    from easeback.usecases.diary_input import clean_note
    from easeback.usecases.today import person_zone

    note = clean_note(body.note or "")
    if body.pain is None and not note:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "pain"),
                    "type": "value_error",
                    "ctx": {"error": "give a pain score or a note (or both)"},
                }
            ]
        )
    engine = store_of(request)
    client_id = body.id.lower()
    if entry_id(engine, client_id) is not None:
        response.status_code = 200
        return {"id": client_id, "stored": False}
    add_entry(
        engine,
        at=min(body.at, wall_now()),  # a clock running ahead does not date it later
        zone=body.zone or person_zone(engine),
        pain=body.pain,
        note=note or None,
        share=body.share,
        client_id=client_id,
    )
    return {"id": client_id, "stored": True}
