"""The clinician's prescription and the flare-up on the web: see what the plan
follows, import a signed file (confirming a clinician seen for the first time), go
back to the article's plan; start a flare-up, answer its morning question, end it.

The rules live in usecases/prescription.py. An uploaded file waiting for the
person's confirmation is kept in memory only (``PendingFiles``; on a clinic's server,
in its database: server/pending.py), tied to this browser's CSRF cookie, and its
signature is checked again when it is confirmed.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Any, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import FormData, UploadFile

from easeback.core.errors import StoreError
from easeback.prescribing.signed import FILE_LIMIT
from easeback.web.responses import checked_form, form_answer, not_saved, render, store_of
from easeback.web.security import CSRF_COOKIE
from easeback.wording import messages

router = APIRouter(include_in_schema=False)

# The whole multipart body: the file, the token and the boundaries around them.
BODY_LIMIT = FILE_LIMIT + 4 * 1024
# What is read (and thrown away) of a body too large, so the browser is still
# listening when the refusal comes; past this the connection is simply dropped.
DRAIN_LIMIT = 4 * 1024 * 1024
PENDING_SECONDS = 10 * 60
PENDING_MAX = 8


class PendingFiles:
    """Uploaded files waiting for "Do you know this clinician?": in memory, keyed by
    a random token and owned by the browser (its CSRF cookie) that sent them, for
    ``PENDING_SECONDS``; never written anywhere."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        from easeback.usecases.clock import monotonic

        self._clock = clock or monotonic
        self._files: dict[str, tuple[str, bytes, float]] = {}
        self._lock = threading.Lock()

    def keep(self, owner: str, raw: bytes) -> str:
        token = secrets.token_urlsafe(24)
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            while len(self._files) >= PENDING_MAX:
                del self._files[next(iter(self._files))]
            self._files[token] = (owner, raw, now + PENDING_SECONDS)
        return token

    def get(self, token: str, owner: str) -> bytes | None:
        with self._lock:
            self._forget_old(self._clock())
            found = self._files.get(token)
        if found is None or not owner or not secrets.compare_digest(found[0], owner):
            return None
        return found[1]

    def drop(self, token: str, owner: str) -> bytes | None:
        raw = self.get(token, owner)
        if raw is not None:
            with self._lock:
                self._files.pop(token, None)
        return raw

    def _forget_old(self, now: float) -> None:
        for token in [t for t, (_, _, until) in self._files.items() if until <= now]:
            del self._files[token]


class Pending(Protocol):
    """Where uploaded files wait: ``PendingFiles`` here, the clinic's database on a
    server (easeback.server.pending), whose app servers keep no state of their own."""

    def keep(self, owner: str, raw: bytes) -> str: ...
    def get(self, token: str, owner: str) -> bytes | None: ...
    def drop(self, token: str, owner: str) -> bytes | None: ...


def pending_files(request: Request) -> Pending:
    found: Pending = request.app.state.pending_files
    return found


def _owner(request: Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or ""


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


# --- the page ---------------------------------------------------------------------------


def prescription_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    fault: StoreError | None = None,
    done: str | None = None,
    status: int | None = None,
) -> HTMLResponse:
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import shown_prescription

    view = shown_prescription(store_of(request), now=wall_now())
    response = form_answer(
        request,
        "prescription.html",
        errors=errors or {},
        fault=fault,
        title="Your prescription" if view["source"] == "prescription" else "Prescription",
        view=view,
        done=messages.WEB_RX_DONE.get(done or ""),
        limit_kb=FILE_LIMIT // 1024,
        slot_words=messages.SLOT_TITLES,
    )
    if status is not None:
        response.status_code = status
    return response


@router.get("/prescription", response_class=HTMLResponse)
def show(request: Request, done: str | None = None) -> HTMLResponse:
    return prescription_page(request, done=done)


async def _capped_form(request: Request) -> FormData | None:
    """The posted (multipart) form, CSRF-checked, or None when the body is larger
    than ``BODY_LIMIT`` (it is then never parsed)."""
    declared = request.headers.get("content-length", "")
    kept: list[bytes] = []
    size = 0
    too_big = declared.isdigit() and int(declared) > BODY_LIMIT
    if too_big and int(declared) > DRAIN_LIMIT:
        return None
    async for chunk in request.stream():
        size += len(chunk)
        if size > BODY_LIMIT:
            too_big = True
        if too_big:
            kept.clear()
            if size > DRAIN_LIMIT:
                break
            continue
        kept.append(chunk)
    if too_big:
        return None
    body = b"".join(kept)
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    again = Request(request.scope, replay)
    return await checked_form(again)


@router.post("/prescription", response_class=HTMLResponse)
async def upload(request: Request) -> Response:
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import PrescriptionProblem, follow, open_prescription

    form = await _capped_form(request)
    if form is None:
        problem = messages.WEB_RX_TOO_BIG.format(limit=FILE_LIMIT // 1024)
        return prescription_page(request, errors={"file": problem}, status=413)
    try:
        chosen = form.get("file")
        if not isinstance(chosen, UploadFile) or not chosen.filename:
            return prescription_page(request, errors={"file": messages.WEB_RX_NO_FILE})
        raw = await chosen.read(FILE_LIMIT + 1)
    finally:
        await form.close()
    if len(raw) > FILE_LIMIT:
        problem = messages.WEB_RX_TOO_BIG.format(limit=FILE_LIMIT // 1024)
        return prescription_page(request, errors={"file": problem}, status=413)
    engine = store_of(request)
    now = wall_now()
    try:
        opened = open_prescription(engine, raw, now=now)
    except PrescriptionProblem as exc:
        return prescription_page(request, errors={"file": _sentence(str(exc))})
    if opened.already:
        return RedirectResponse("/prescription?done=already", status_code=303)
    if not opened.trusted:
        token = pending_files(request).keep(_owner(request), raw)
        return RedirectResponse(f"/prescription/confirm?pending={token}", status_code=303)
    try:
        follow(engine, opened, now=now, trust=False)
    except (StoreError, SQLAlchemyError) as exc:
        return prescription_page(request, fault=not_saved(request, exc))
    return RedirectResponse("/prescription?done=followed", status_code=303)


# --- a clinician seen for the first time ------------------------------------------------


def _expired(request: Request) -> HTMLResponse:
    return prescription_page(request, errors={"file": messages.WEB_RX_EXPIRED})


@router.get("/prescription/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, pending: str = "") -> HTMLResponse:
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import PrescriptionProblem, open_prescription

    raw = pending_files(request).get(pending, _owner(request))
    if raw is None:
        return _expired(request)
    try:
        opened = open_prescription(store_of(request), raw, now=wall_now())
    except PrescriptionProblem as exc:
        pending_files(request).drop(pending, _owner(request))
        return prescription_page(request, errors={"file": _sentence(str(exc))})
    return render(
        request,
        "prescription-confirm.html",
        title="Do you know this clinician?",
        issued=opened.issued,
        signed_on=opened.signed_on,
        pending=pending,
    )


@router.post("/prescription/confirm", response_class=HTMLResponse)
async def confirm(request: Request) -> Response:
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import PrescriptionProblem, follow, open_prescription

    form = await checked_form(request)
    token = str(form.get("pending", ""))
    raw = pending_files(request).drop(token, _owner(request))
    if raw is None:
        return _expired(request)
    if form.get("answer") != "confirm":
        return RedirectResponse("/prescription?done=cancelled", status_code=303)
    engine = store_of(request)
    now = wall_now()
    try:
        # The file is checked again: its signature, its dates, the version in force.
        opened = open_prescription(engine, raw, now=now)
    except PrescriptionProblem as exc:
        return prescription_page(request, errors={"file": _sentence(str(exc))})
    if str(form.get("fingerprint", "")) != opened.issued.fingerprint:
        return prescription_page(request, errors={"file": messages.WEB_RX_OTHER_KEY})
    if opened.already:
        return RedirectResponse("/prescription?done=already", status_code=303)
    try:
        follow(engine, opened, now=now, trust=True)
    except (StoreError, SQLAlchemyError) as exc:
        return prescription_page(request, fault=not_saved(request, exc))
    return RedirectResponse("/prescription?done=followed", status_code=303)


@router.post("/prescription/remove", response_class=HTMLResponse)
async def back_to_article(request: Request) -> Response:
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import remove

    await checked_form(request)
    try:
        removed, _ = remove(store_of(request), now=wall_now())
    except (StoreError, SQLAlchemyError) as exc:
        return prescription_page(request, fault=not_saved(request, exc))
    return RedirectResponse(
        f"/prescription?done={'removed' if removed else 'none'}", status_code=303
    )


# --- the flare-up -----------------------------------------------------------------------


@router.post("/flare-up", response_class=HTMLResponse)
async def flare_start(request: Request) -> Response:
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import start_flare

    await checked_form(request)
    start_flare(store_of(request), now=wall_now())
    return RedirectResponse("/today?flare=started#flare-up", status_code=303)


@router.post("/flare-up/check", response_class=HTMLResponse)
async def flare_check(request: Request) -> Response:
    from easeback.core.prescribed import MORNING_ANSWERS
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import PrescriptionProblem, answer_flare
    from easeback.web.pages import today_page

    form = await checked_form(request)
    answer = str(form.get("answer", ""))
    new_symptom = form.get("new_symptom") is not None
    if answer not in MORNING_ANSWERS:
        return today_page(
            request,
            errors={"answer": messages.WEB_FLARE_NO_ANSWER},
            values={"answer": answer, "new_symptom": new_symptom},
        )
    try:
        answer_flare(store_of(request), answer, new_symptom=new_symptom, now=wall_now())
    except PrescriptionProblem:
        return RedirectResponse("/today?flare=none", status_code=303)
    return RedirectResponse("/today?flare=answered#flare-up", status_code=303)


@router.post("/flare-up/end", response_class=HTMLResponse)
async def flare_end(request: Request) -> Response:
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import end_flare

    await checked_form(request)
    ended = end_flare(store_of(request), now=wall_now())
    return RedirectResponse(f"/today?flare={'ended' if ended else 'none'}", status_code=303)
