"""The installable web app: its manifest, its service worker, and what a player page
fetches so that it can begin a session with no network.

The worker is served from the root (``/sw.js``) so that its scope is the whole app,
with the lists it keeps written into it: the versioned static files, the pictures and
today's pages. Its cache is named by those versions, so a new release replaces the
old cache; the browser checks the worker itself on every visit (``no-cache``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from easeback import __version__
from easeback.web.api import answers
from easeback.web.bodies import PlayPlan
from easeback.web.responses import db, store_of
from easeback.web.static_files import ALWAYS_ASK, FOLDER, static_url, version
from easeback.wording import messages

router = APIRouter()
WORKER = Path(__file__).parent / "worker.js"
# The light theme's colours in app.css: --accent for the browser's bar, --bg behind
# the app while it opens.
THEME = "#1d5e4f"
BACKGROUND = "#fbfaf7"
# Pages a person may open with no network, once seen: the ones a session needs.
OFFLINE_PAGES = ("/today", "/play", "/stretches", "/diary")


def manifest() -> dict[str, Any]:
    """The web app manifest (W3C Web Application Manifest): what an installed easeback
    is called, where it opens, and its icons."""
    return {
        "name": "easeback: stretches for the lower back",
        "short_name": "easeback",
        "description": "A guide through four gentle stretches for the lower back, with a "
        "diary of how it feels. " + messages.NOT_ADVICE,
        "id": "/today",
        "start_url": "/today",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "lang": "en",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "icons": [
            {"src": static_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static_url("icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static_url("icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }


@router.get("/manifest.webmanifest", include_in_schema=False)
def manifest_file() -> Response:
    return Response(
        json.dumps(manifest(), indent=1),
        media_type="application/manifest+json",
        headers={"Cache-Control": ALWAYS_ASK},
    )


@cache
def worker_lists() -> dict[str, Any]:
    """What the worker keeps, and the name of its cache (the app's, the static files'
    and the pictures' versions: any change makes a new cache)."""
    from easeback.content.library import load_library
    from easeback.pictures.catalogue import catalogue
    from easeback.web.pictures import picture_url, pictures_version

    shell = [
        static_url(path.relative_to(FOLDER).as_posix())
        for path in sorted(FOLDER.rglob("*"))
        if path.is_file() and not path.name.endswith(".png")
    ]
    pictures = [picture_url(name) for name in catalogue()]
    pages = ["/today", "/stretches", *(f"/stretches/{s.id}" for s in load_library().stretches)]
    return {
        "cache": f"easeback-{__version__}-{version()}-{pictures_version()}",
        "shell": [*shell, *pictures],
        "pages": [*pages, "/diary"],
        "offline_pages": list(OFFLINE_PAGES),
        "saved_at": messages.WEB_OFFLINE_SAVED_AT,
    }


@router.get("/sw.js", include_in_schema=False)
def worker() -> Response:
    """The service worker, with its lists written at the top."""
    lists = json.dumps(worker_lists(), separators=(",", ":"))
    body = f"const KEEP = {lists};\n" + WORKER.read_text(encoding="utf-8")
    return Response(
        body,
        media_type="text/javascript",
        headers={"Cache-Control": ALWAYS_ASK},
    )


@router.get(
    "/api/play",
    response_model=PlayPlan,
    tags=["api"],
    responses=answers(404, 409, 422, 503),
)
def play_plan(
    request: Request, slot: str | None = None, routine: str | None = None
) -> JSONResponse:
    """What a player page needs to begin with no network: the timeline, the words for
    each phase, and whether the safety rules allow a session now. The player page
    fetches it, and the service worker keeps the last answer for when it is offline."""
    from easeback.web.sessions import PlayRequestError, choose_routine
    from easeback.web.sessions import play_plan as plan_for

    try:
        chosen = choose_routine(db(request), slot=slot, routine=routine, speed=1.0)
    except PlayRequestError as exc:
        raise HTTPException(404 if exc.missing else 422, str(exc)) from None
    if chosen is None:
        raise HTTPException(409, messages.WEB_ALL_DONE)
    plan = PlayPlan.model_validate(plan_for(store_of(request), chosen))
    return JSONResponse(plan.model_dump(mode="json"), headers={"Cache-Control": ALWAYS_ASK})
