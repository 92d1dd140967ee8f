"""The JSON API under /api/: what the browser player and scripts call.

Bodies are Pydantic models, so a wrong value is answered with 422 and the path of
the field; every state-changing call needs the CSRF header (see security.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from easeback.web.pages import db, store_of
from easeback.wording import messages

router = APIRouter(prefix="/api", tags=["api"])

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
Uuid = Annotated[str, Field(pattern=UUID_PATTERN, description="A UUID made by the client.")]
Pain = Annotated[int, Field(ge=0, le=10, description="0 (no pain) to 10 (worst).")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SessionRequest(Body):
    """Which routine to play: a built-in routine by name, or a slot of today's plan
    (leave both out for the next slot due)."""

    routine: Literal["default", "bed", "office"] | None = None
    slot: Literal["morning", "daytime", "evening"] | None = None
    speed: float = Field(default=1.0, ge=1, le=500, description="1 is real time.")
    pain_before: Pain | None = None


class EventIn(Body):
    """One player event, as the browser made it."""

    id: Uuid
    seq: int = Field(ge=0, le=100_000)
    kind: Literal[
        "started", "phase", "paused", "resumed", "skipped", "pain_stop", "completed", "quit"
    ]
    phase: int = Field(ge=0, le=100_000, description="Index of the phase in the timeline.")
    position_ms: int = Field(ge=0, le=2**40, description="Where in the timeline (clamped).")
    offset_ms: int = Field(
        ge=0, le=2**40, description="ms since the session started (pauses included)."
    )
    at: datetime = Field(description="Wall time with its offset, e.g. 2026-11-25T07:00:00Z.")

    @field_validator("at", mode="before")
    @classmethod
    def _parse_at(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError("must be an ISO 8601 time such as 2026-11-25T07:00:00Z") from None
        return value

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.utcoffset() is None:
            raise ValueError("must carry its offset from UTC, e.g. a trailing Z")
        return value


class EventBatch(Body):
    events: list[EventIn] = Field(min_length=1, max_length=500)


class PainIn(Body):
    """The rating after a session; null when the person skipped it."""

    moment: Literal["after"]
    value: Pain | None


def _session(request: Request, session_id: str) -> Any:
    from easeback.store.sessions import find_session
    from easeback.usecases.clock import wall_now

    found = find_session(store_of(request), session_id, now=wall_now())
    if found is None:
        raise HTTPException(404, f"no session with id {session_id}")
    return found


SessionId = Annotated[str, Field(pattern=UUID_PATTERN)]
MAX_OFFSET_MS = 2**31 - 1  # a session paused for weeks still fits the column


@router.get("/today")
def today(request: Request) -> dict[str, Any]:
    """Today's plan: slots with their times, doses and status."""
    from easeback.usecases.today import person_today

    view: dict[str, Any] = person_today(db(request))
    return view


@router.get("/stretches")
def stretches() -> list[dict[str, Any]]:
    """The stretch library."""
    from easeback.content.library import load_library

    return [s.model_dump(mode="json") for s in load_library().stretches]


@router.get("/stretches/{stretch_id}")
def stretch(stretch_id: Annotated[str, Field(max_length=60)]) -> dict[str, Any]:
    from easeback.content.library import load_library

    found = load_library().get(stretch_id)
    if found is None:
        raise HTTPException(404, f"no stretch with id {stretch_id!r}")
    data: dict[str, Any] = found.model_dump(mode="json")
    return data


@router.get("/sessions")
def sessions(
    request: Request, limit: Annotated[int, Query(ge=1, le=10_000)] = 50
) -> list[dict[str, Any]]:
    """Past sessions, newest first."""
    from easeback.store.sessions import list_sessions
    from easeback.usecases.clock import wall_now

    return [s.to_json() for s in list_sessions(store_of(request), limit, now=wall_now())]


@router.post("/sessions", status_code=201)
def create_session(request: Request, body: SessionRequest) -> dict[str, Any]:
    """Open a session and return its timeline (refused with 409 when the safety rules
    say not now, with the reason)."""
    from easeback.web.sessions import NotAllowed, PlayRequestError, choose_routine, start_session

    try:
        chosen = choose_routine(db(request), slot=body.slot, routine=body.routine, speed=body.speed)
    except PlayRequestError as exc:
        raise HTTPException(404 if exc.missing else 422, str(exc)) from None
    if chosen is None:
        raise HTTPException(409, messages.WEB_ALL_DONE)
    try:
        return start_session(store_of(request), chosen, body.pain_before)
    except NotAllowed as exc:
        reason, _ = messages.GATE[exc.reason]
        raise HTTPException(409, f"{reason} {messages.WEB_GATE_NEXT}") from None


@router.get("/sessions/{session_id}")
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


@router.post("/sessions/{session_id}/events")
def add_events(request: Request, session_id: SessionId, body: EventBatch) -> dict[str, Any]:
    """Store events once each (ids already stored are skipped); 409 when an event
    contradicts a stored one."""
    from easeback.store.sessions import EventConflict, NewEvent
    from easeback.web.sessions import accept_events

    found = _session(request, session_id)
    phases = len(found.timeline.phases)
    bad = [i for i, e in enumerate(body.events) if e.phase >= phases]
    if bad:
        raise HTTPException(
            422,
            [
                {
                    "loc": ["body", "events", i, "phase"],
                    "msg": f"this session has phases 0 to {phases - 1}",
                    "type": "value_error",
                }
                for i in bad
            ],
        )
    batch = [
        NewEvent(
            client_id=e.id.lower(),
            seq=e.seq,
            kind=e.kind,
            phase_index=e.phase,
            position_ms=min(e.position_ms, found.timeline.total_ms),
            offset_ms=min(e.offset_ms, MAX_OFFSET_MS),
            wall=e.at,
        )
        for e in body.events
    ]
    try:
        stored, said = accept_events(store_of(request), found, batch)
    except EventConflict as exc:
        raise HTTPException(409, str(exc)) from None
    return {"stored": stored, "already_stored": len(batch) - stored, "messages": said}


@router.post("/sessions/{session_id}/pain")
def rate(request: Request, session_id: SessionId, body: PainIn) -> dict[str, Any]:
    """The rating after a session; a rise of 2 or more is followed up."""
    from easeback.web.sessions import rate_after

    found = _session(request, session_id)
    return {"messages": rate_after(store_of(request), found, body.value)}
