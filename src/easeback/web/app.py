"""The app factory: ``create_app(settings)`` builds the whole web app around one store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from easeback import __version__
from easeback.usecases import clock as clocks
from easeback.usecases.clock import local_time, local_zone
from easeback.web.errors import add_handlers, error_json
from easeback.web.pictures import picture_inline, picture_url
from easeback.web.responses import error_page
from easeback.web.security import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SAFE_METHODS,
    LocalOnly,
    new_token,
    same_origin,
    tokens_match,
)
from easeback.web.static_files import VersionedStatic, static_url
from easeback.wording import messages
from easeback.wording.days import date_words, length_words, moment_words
from easeback.wording.labels import clock_text, safety_words

HERE = Path(__file__).parent
DEFAULT_PORT = 8421


def _local_text(moment_utc: datetime, zone: str) -> str:
    """A stored moment in words, in the zone it was recorded in: 'Saturday 28
    November, 07:05' (the year only when it is not this year there)."""
    moment = local_time(moment_utc, zone)
    return moment_words(moment, clocks.wall_now().astimezone(moment.tzinfo).date())


def _local_parts(moment_utc: datetime, zone: str) -> tuple[str, str]:
    """A stored moment as (its day in words, its time 'HH:MM'), for lists grouped by day."""
    moment = local_time(moment_utc, zone)
    return (
        date_words(moment.date(), clocks.wall_now().astimezone(moment.tzinfo).date()),
        f"{moment:%H:%M}",
    )


def _day_text(day: date | str) -> str:
    """A day (or its ISO text, as the plan's data holds it) in words: 'Saturday 28
    November' (the year only when it is not this year)."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return date_words(day, clocks.wall_now().astimezone(ZoneInfo(local_zone())).date())


@dataclass(frozen=True)
class Settings:
    """What the app is started with: the store (None: the default file) and the port
    the Host header must carry."""

    db: str | None = None
    port: int = DEFAULT_PORT


def person_app(description: str) -> FastAPI:
    """The person's pages and API, with no store yet: the single-user app gives it
    one store (``create_app``), a clinic's server one per logged-in patient
    (easeback.server.app)."""
    from easeback.web import api as api_routes
    from easeback.web import diary_pages, pictures, prescription_pages, pwa
    from easeback.web import pages as page_routes
    from easeback.web import tracks as track_routes  # the session's audio track

    app = FastAPI(
        title="easeback",
        version=__version__,
        description=description + " " + messages.NOT_ADVICE,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals.update(
        messages=messages,
        version=__version__,
        local=_local_text,
        local_parts=_local_parts,
        clock=clock_text,
        day=_day_text,
        length=length_words,
        static=static_url,
        picture=picture_inline,
        picture_url=picture_url,
        safety=safety_words,
    )
    app.state.templates = templates
    app.state.pending_files = prescription_pages.PendingFiles()

    app.mount("/static", VersionedStatic(), name="static")
    app.include_router(page_routes.router)
    app.include_router(diary_pages.router)
    app.include_router(prescription_pages.router)
    app.include_router(api_routes.router)
    app.include_router(pictures.router)
    app.include_router(track_routes.router)  # the session's audio track
    app.include_router(pwa.router)  # installable, and playing offline (issue 13)
    return app


OriginCheck = Callable[[str | None, str | None], bool]


def add_csrf(
    app: FastAPI,
    same_site: OriginCheck,
    *,
    secure: bool = False,
    exempt: Callable[[str], bool] | None = None,
) -> None:
    """Give every browser a token cookie; API calls that change data must echo it
    in a header (forms are checked by their routes, which read the body), and no
    request that changes data may come from another origin (``same_site`` judges
    its Origin and Sec-Fetch-Site headers). Paths ``exempt`` says yes to are left
    alone: requests that carry no cookie (a linked device's) cannot be forged by a
    browser."""

    @app.middleware("http")
    async def csrf(request: Request, call_next: Any) -> Response:
        if exempt is not None and exempt(request.url.path):
            return await call_next(request)  # type: ignore[no-any-return]
        token = request.cookies.get(CSRF_COOKIE) or ""
        fresh = len(token) < 32
        if fresh:
            token = new_token()
        request.state.csrf = token
        unsafe = request.method not in SAFE_METHODS
        api = request.url.path.startswith("/api/")
        foreign = unsafe and not same_site(
            request.headers.get("origin"), request.headers.get("sec-fetch-site")
        )
        if foreign or (
            unsafe
            and api
            and not tokens_match(request.cookies.get(CSRF_COOKIE), request.headers.get(CSRF_HEADER))
        ):
            detail = "missing or wrong CSRF token: reload the page and try again"
            if foreign:
                detail = "this request came from another site or port and was refused"
            if api:
                response: Response = error_json(403, detail)
            else:
                response = error_page(request, 403, detail[:1].upper() + detail[1:] + ".")
        else:
            response = await call_next(request)
        if fresh:
            response.set_cookie(
                CSRF_COOKIE,
                token,
                httponly=True,
                samesite="strict",
                secure=secure,
                path="/",
                max_age=31536000,
            )
        return response


def create_app(settings: Settings) -> FastAPI:
    """Open (and migrate) the store, and build the app around it."""
    from easeback.store import open_store
    from easeback.web.sync_pages import add_sync

    app = person_app("The local API of easeback, a stretching guide and diary.")
    app.state.settings = settings
    # A page or the player must not hang on a store another program holds: a write
    # waits a second at most, then the outbox in the page tries again.
    app.state.engine = open_store(settings.db, busy_ms=1000)
    add_sync(app)  # the phone writes to a clinic's server itself: this app only
    add_csrf(app, lambda origin, site: same_origin(origin, site, settings.port))
    # Added last, so it runs first: a foreign Host is refused before anything else.
    app.add_middleware(LocalOnly, port=settings.port)

    add_handlers(app)
    return app
