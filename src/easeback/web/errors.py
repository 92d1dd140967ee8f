"""Every error the app answers, in one place: the API's one JSON shape (``ErrorBody``),
pages that say what went wrong, storage faults named by their cause, and wrong
values described in our own words (never Pydantic's).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from easeback.core.errors import StoreError
from easeback.web.bodies import ErrorBody, FieldProblem
from easeback.web.responses import error_page, explained, retry_after
from easeback.wording import messages

log = logging.getLogger("easeback.web")

PARTS = ("body", "query", "path", "header", "cookie")
# A clinic's server whose PostgreSQL is down or restarting: passing, and nothing the
# person did is lost (the phone's outbox keeps what it could not send).
UNAVAILABLE = (
    "The clinic's server cannot reach its database just now. Nothing you saved is lost: "
    "try again in a minute, and if it lasts, tell the clinic."
)
UNAVAILABLE_RETRY_S = 30


def field_words(problem: Mapping[str, Any]) -> str:
    """What is wrong with one value (a Pydantic error), in our words."""
    ctx = problem.get("ctx") or {}
    words = messages.FIELD_PROBLEMS.get(problem.get("type", ""), messages.FIELD_PROBLEM_OTHER)
    context = {k: f"{v:g}" if isinstance(v, float) else str(v) for k, v in ctx.items()}
    try:
        return words.format(**context)
    except (KeyError, IndexError, ValueError):
        return messages.FIELD_PROBLEM_OTHER


def where(loc: Sequence[str | int]) -> str:
    """A value's place as a reader writes it: ``events[0].phase``, not the parts list."""
    parts = list(loc[1:] if loc and loc[0] in PARTS else loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or ("the request body" if loc and loc[0] == "body" else "the request")


def described(problems: Iterable[Mapping[str, Any]]) -> list[FieldProblem]:
    """Each problem with its place and our words (a body that is not JSON at all is
    placed at the body, not at the character offset where reading stopped)."""
    return [
        FieldProblem(
            loc=["body"] if p.get("type") == "json_invalid" else list(p["loc"]),
            msg=field_words(p),
        )
        for p in problems
    ]


def summary(problems: Sequence[FieldProblem]) -> str:
    """One sentence naming every wrong value: ``speed must be 500 or less``."""
    return "; ".join(f"{where(p.loc)} {p.msg}" for p in problems)


def error_json(
    status: int,
    detail: str,
    *,
    errors: Sequence[FieldProblem] = (),
    cause: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The one shape of an API error (see ``bodies.ErrorBody``)."""
    body = ErrorBody.model_validate({"detail": detail, "errors": list(errors), "cause": cause})
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def database_unreachable(exc: BaseException) -> bool:
    """Is ``exc`` a database server that does not answer (refused, shut down, the
    connection lost), rather than a wrong query? PostgreSQL's driver is named, not
    imported: the person's app on SQLite never loads it."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    return any(
        kind.__name__ == "OperationalError" and kind.__module__.startswith("psycopg")
        for kind in type(exc.orig).__mro__
    )


def unavailable(request: Request, exc: BaseException) -> Response | None:
    """503 with Retry-After when the database does not answer (None otherwise): a
    passing outage, said as such, with one line in the log instead of a traceback."""
    if not database_unreachable(exc):
        return None
    log.error("database unreachable on %s %s", request.method, request.url.path)
    headers = {"Retry-After": str(UNAVAILABLE_RETRY_S)}
    if _api(request):
        return error_json(503, UNAVAILABLE, headers=headers)
    response = error_page(request, 503, UNAVAILABLE)
    response.headers.update(headers)
    return response


def add_handlers(app: FastAPI) -> None:
    """Answer every error: JSON of one shape under /api/, a page elsewhere."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _api(request) or exc.status_code == 405:
            return error_json(exc.status_code, str(exc.detail), headers=exc.headers)
        return error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def wrong_values(request: Request, exc: RequestValidationError) -> Response:
        problems = described(exc.errors())
        if _api(request):
            return error_json(422, summary(problems), errors=problems)
        return error_page(request, 400, messages.WEB_BAD_ADDRESS.format(problems=summary(problems)))

    @app.exception_handler(StoreError)
    @app.exception_handler(SQLAlchemyError)
    async def store_error(request: Request, exc: Exception) -> Response:
        """A read or write the store refused (locked by another program, a full disk,
        a read-only folder): named by its cause, never a bare 500."""
        if (answer := unavailable(request, exc)) is not None:
            return answer
        problem = explained(request, exc)
        if problem is None:
            return await unexpected(request, exc)
        log.error("store error: %s (%s)", type(exc).__name__, problem.fault or "other")
        # A busy or full store is passing: the page's outbox retries after this.
        headers = retry_after(problem)
        if _api(request):
            return error_json(503, str(problem), cause=problem.fault, headers=headers)
        response = error_page(request, 503, str(problem)[:1].upper() + str(problem)[1:])
        response.headers.update(headers)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        if (answer := unavailable(request, exc)) is not None:
            return answer
        # The traceback goes to the server's log, never to the page; it holds no health
        # data (values live in the store, not in exception text we raise).
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        if _api(request):
            return error_json(500, "internal error; nothing was lost")
        return error_page(request, 500, "Something went wrong on easeback's side.")
