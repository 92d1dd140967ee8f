"""What every route shares: a page, an error page, a form shown again (with its
errors, or with the storage fault that kept it from being saved), a form whose CSRF
token is checked, and the store behind a request."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from easeback.core.errors import StoreError
from easeback.store.faults import explain
from easeback.store.location import sqlite_file
from easeback.web.security import CSRF_FIELD, tokens_match
from easeback.wording import messages

# Storage faults that pass (another program finishes, space is freed): worth a retry.
PASSING = ("locked", "full", "io")
RETRY_AFTER_S = 2


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    templates = request.app.state.templates
    context.setdefault("title", "easeback")
    response: HTMLResponse = templates.TemplateResponse(
        request, name, {"csrf": request.state.csrf, **context}, status_code=status
    )
    return response


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    titles = {
        404: "Not found",
        400: "That did not work",
        403: "Refused",
        503: "Not available just now",
    }
    if status == 404 and detail in ("Not Found", ""):
        detail = "There is no page at this address."
    if not hasattr(request.state, "csrf"):
        request.state.csrf = ""
    return render(
        request,
        "error.html",
        status=status,
        title=titles.get(status, "Something went wrong"),
        status_code=status,
        detail=detail,
    )


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches our cookie (403 otherwise)."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    cookie = request.cookies.get("easeback_csrf")
    if not tokens_match(cookie, given if isinstance(given, str) else None):
        await form.close()  # an uploaded file's temporary copy, gone at once
        raise HTTPException(
            403, "This form had expired or came from elsewhere. Reload the page and try again."
        )
    return form


def not_saved(request: Request, exc: Exception) -> StoreError:
    """The storage fault that kept a form from being saved (anything else is raised
    again, as the bug it is)."""
    problem = explained(request, exc)
    if problem is None:
        raise exc
    return problem


def form_answer(
    request: Request, name: str, *, errors: dict[str, str], fault: StoreError | None, **context: Any
) -> HTMLResponse:
    """A form shown again: with its errors (400), or with what kept it from being saved
    (503, the cause named, Retry-After when it passes); what was typed is in
    ``context``, so nothing is lost."""
    words = None
    if fault is not None:
        cause = messages.WEB_STORE_CAUSES.get(fault.fault or "", None)
        words = messages.WEB_FORM_NOT_SAVED.format(
            cause=cause or messages.WEB_STORE_CAUSES["other"]
        )
    status = 503 if fault else 400 if errors else 200
    response = render(request, name, status=status, errors=errors, fault=words, **context)
    if fault is not None:
        response.headers.update(retry_after(fault))
    return response


def store_of(request: Request) -> Any:
    """The store behind this request: on a clinic's server the logged-in patient's
    (set by the server for each request, and absent otherwise, so that a route can
    never fall back to someone else's), else the app's one store."""
    scoped = getattr(request.state, "engine", None)
    return scoped if scoped is not None else request.app.state.engine


def db(request: Request) -> Any:
    """The store for the use-cases that take a path or URL: the file as given when
    it is a SQLite file (read by their quick path), else the open engine."""
    if getattr(request.state, "engine", None) is None:
        given: str | None = request.app.state.settings.db
        if sqlite_file(str(request.app.state.engine.url)) is not None:
            return given
    return store_of(request)


def gate_state(request: Request) -> Any:
    from easeback.store.safety import current_gate
    from easeback.usecases.clock import wall_now

    return current_gate(store_of(request), wall_now())


def explained(request: Request, exc: BaseException) -> StoreError | None:
    """A storage fault behind ``exc`` as a StoreError naming its cause, else None."""
    if isinstance(exc, StoreError):
        return exc
    # A clinic's pages (login, the clinician's) have no store of their own: no file.
    engine = getattr(request.state, "engine", None) or getattr(request.app.state, "engine", None)
    path = sqlite_file(str(engine.url)) if engine is not None else None
    return explain(exc, path, str(path) if path else None)


def retry_after(problem: StoreError) -> dict[str, str]:
    """The Retry-After header for a fault that passes (none for one that does not)."""
    return {"Retry-After": str(RETRY_AFTER_S)} if problem.fault in PASSING else {}
