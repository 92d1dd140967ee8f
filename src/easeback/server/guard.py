"""Who may open what on a clinic's server: one middleware before every route.

Every path belongs to one of four kinds. Public: the login and invitation pages,
static files, the pictures, the app's manifest and worker. ``/admin``: admins.
``/clinic``: clinicians (and, for one patient's records, only that patient's own
clinician: ``patient_for``). Everything else is the person's app (the same routes as
the single-user app), for patients only, on their own records: the middleware hands
those routes the patient's own store and nothing else, so a route added to the
person's app is private by default.

Two more kinds are for a patient's own linked devices (issue 14, sync), which carry
no cookie: ``/api/devices`` (public: a device links itself there) and everything under
``/api/sync/``, opened by the device's token (``Authorization: Bearer``) and by
nothing else. The cookie is not even read there, and the token opens no other path.
Both answer in the sync protocol's JSON (``{"problem", "message"}``) and refuse a
request that does not say it speaks the protocol's version (``Easeback-Sync: 1``).

Refusals say as little as they can: 401 with a way to log in, 403 for a page of
another role, 404 for a patient who is not the clinician's (whether or not they
exist). Each refusal is written to the audit log and the server's log, without
health data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from easeback.clinician.status import patient_zone, refresh_after
from easeback.server import accounts, audit, devices
from easeback.server.accounts import Account, Login
from easeback.server.devices import Holder
from easeback.server.tenancy import ACCOUNT_ID, scoped
from easeback.server.tokens import keyed_hash
from easeback.usecases import clock
from easeback.usecases.clock import device_zone, known_zone
from easeback.web.errors import unavailable
from easeback.web.responses import error_page
from easeback.web.security import SAFE_METHODS

log = logging.getLogger("easeback.server")

LOGIN_COOKIE = "easeback_login"
# Sent by the page's outbox with each record it kept: the account that made it.
ACCOUNT_HEADER = "x-easeback-account"
# The device's time zone, written by every page (js/menu.js): a patient's day is
# theirs, not the server's, until they set their own in "Your day".
ZONE_COOKIE = "easeback_zone"
PUBLIC_PATHS = frozenset(
    {"/login", "/join", "/logout", "/manifest.webmanifest", "/sw.js", "/favicon.ico", "/healthz"}
)
PUBLIC_PREFIXES = ("/static/", "/pictures/")
# Pages for whoever is logged in, whatever their role: every menu links the account
# page, and it is where each of them logs out.
ANY_ROLE = "any"
ANY_ROLE_PATHS = frozenset({"/account"})
HOMES = {"admin": "/admin", "clinician": "/clinic", "patient": "/today"}
# Pages no shared cache or back button should keep.
NO_STORE_PREFIXES = ("/login", "/join", "/admin", "/clinic", "/account", "/logout")
# The sync protocol (issue 14): where a device links, where it syncs with its token,
# and the version every request of it names in its header.
LINK_PATH = "/api/devices"
SYNC_PREFIX = "/api/sync/"
SYNC_HEADER = "easeback-sync"
SYNC_VERSION = "1"


def for_devices(path: str) -> bool:
    """Is ``path`` one of the sync protocol's, which carry no cookie (and so are not
    checked for CSRF or Origin, which guard a cookie's requests)?"""
    return path == LINK_PATH or path.startswith(SYNC_PREFIX)


def needed_role(path: str) -> str | None:
    """The role a path is for; None for public paths, ``ANY_ROLE`` for pages every
    logged-in account may open."""
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    if path in ANY_ROLE_PATHS:
        return ANY_ROLE
    for prefix, role in (("/admin", "admin"), ("/clinic", "clinician")):
        if path == prefix or path.startswith(prefix + "/"):
            return role
    return "patient"


def address_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def clinic_of(request: Request) -> Engine:
    engine: Engine = request.app.state.clinic
    return engine


def secret_of(request: Request) -> str:
    secret: str = request.app.state.config.secret
    return secret


def login_of(request: Request) -> Login | None:
    found: Login | None = getattr(request.state, "login", None)
    return found


def account_of(request: Request) -> Account:
    """The logged-in account (the guard has already refused anyone else)."""
    login = login_of(request)
    if login is None:
        raise HTTPException(401, "Log in first.")
    return login.account


def note(
    request: Request,
    action: str,
    outcome: str,
    *,
    actor: Account | None = None,
    patient_id: str | None = None,
) -> None:
    """One line in the audit log (and, for a refusal, the server's log)."""
    login = login_of(request)
    who = actor or (login.account if login is not None else None)
    with clinic_of(request).begin() as connection:
        audit.record(
            connection,
            actor_id=who.id if who else None,
            patient_id=patient_id,
            action=action,
            outcome=outcome,
            address=address_of(request),
            now=clock.wall_now(),
        )
    if outcome != "ok":
        log.warning(
            "refused %s: %s %s by %s from %s",
            outcome,
            request.method,
            action,
            f"{who.role} {who.id}" if who else "anonymous",
            address_of(request),
        )


def route_name(request: Request) -> str:
    """The route's template (``/clinic/patients/{patient_id}``), never its values, so
    the log holds no ids typed by others and no health data."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return f"{request.method} {path or 'unknown path'}"


def refuse(request: Request, status: int, detail: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": detail, "errors": [], "cause": None}, status_code=status)
    return error_page(request, status, detail)


async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """The middleware: find the login, refuse what it may not open, and give a
    patient's request the patient's store."""
    request.state.login = None
    if for_devices(request.url.path):
        return await device_guard(request, call_next)
    token = request.cookies.get(LOGIN_COOKIE, "")
    login = None
    if token:  # the database is not asked on the event loop, which serves every request
        try:
            login = await run_in_threadpool(find_login, request, token)
        except SQLAlchemyError as exc:
            if (answer := unavailable(request, exc)) is None:
                raise
            return answer
    request.state.login = login
    path = request.url.path
    role = needed_role(path)
    if path == "/" and login is not None:
        return RedirectResponse(HOMES[login.account.role], status_code=303)
    if role is not None and login is None:
        await run_in_threadpool(note, request, f"{role} page", "401")
        if path.startswith("/api/"):
            return refuse(request, 401, "Log in first: this needs a patient's account.")
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return refuse(request, 401, "You are not logged in (or your login expired). Log in again.")
    if role not in (None, ANY_ROLE) and login is not None and login.account.role != role:
        await run_in_threadpool(note, request, f"{role} page", "403")
        return refuse(
            request,
            403,
            f"This page is for {role}s; you are logged in as a {login.account.role}. "
            f"Your pages start at {HOMES[login.account.role]}.",
        )
    if role == "patient" and login is not None:
        maker = request.headers.get(ACCOUNT_HEADER)
        if maker is not None and maker != outbox_tag(request, login.account):
            # Kept on a shared device while someone else was logged in: never stored
            # in this account's records. The device keeps it for its own account.
            await run_in_threadpool(note, request, "another account's record", "401")
            return JSONResponse(
                {
                    "detail": "This was recorded on this device while another account was "
                    "logged in; it waits until that account logs in again.",
                    "errors": [],
                    "cause": "login",
                },
                status_code=401,
            )
        request.state.engine = scoped(clinic_of(request), login.account.id)
    zone = request.cookies.get(ZONE_COOKIE, "")
    device = device_zone.set(zone) if known_zone(zone) else None
    try:
        response = await call_next(request)
        # The clinician's list keeps a summary of each patient: a patient's successful
        # change to their records refreshes theirs (clinician/status.py), in the
        # device's zone like the request itself.
        if (
            role == "patient"
            and login is not None
            and request.method not in SAFE_METHODS
            and response.status_code < 400
            and not path.startswith("/account/")  # unlinking a device: no records
        ):
            await run_in_threadpool(
                keep_summary, clinic_of(request), login.account.id, path, route_name(request)
            )
    finally:
        if device is not None:
            device_zone.reset(device)
    if role == "patient" and response.status_code == 404:
        # A patient's own store answered "no such thing": perhaps another patient's
        # id, tried in a URL or a body. Kept as an attempt, like any refusal.
        await run_in_threadpool(note, request, route_name(request), "404")
    if path.startswith(NO_STORE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
    return response


def problem(status: int, kind: str, message: str, **extra: Any) -> JSONResponse:
    """A refusal in the sync protocol's words: its kind, and what to do, for a person."""
    return JSONResponse(
        {"problem": kind, "message": message, **extra},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def bearer(header: str | None) -> str:
    scheme, _, token = (header or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def device_guard(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """The sync protocol's paths: its version, then (under ``/api/sync/``) the
    device's token, never the cookie; the patient's store for the route."""
    path = request.url.path
    said = request.headers.get(SYNC_HEADER)
    if said != SYNC_VERSION:
        await run_in_threadpool(note, request, f"sync version {(said or 'none')[:12]}", "426")
        return problem(
            426,
            "version",
            f"This clinic's server syncs with version {SYNC_VERSION} of easeback's sync "
            f"protocol, and this device spoke {'version ' + said[:12] if said else 'no version'}. "
            "Update easeback on this device, then sync again.",
        )
    if not path.startswith(SYNC_PREFIX):
        return await call_next(request)  # linking: the route checks what it is sent
    try:
        token = bearer(request.headers.get("authorization"))
        holder = await run_in_threadpool(find_device, request, token)
    except SQLAlchemyError as exc:
        if (answer := unavailable(request, exc)) is None:
            raise
        return answer
    refused = device_refusal(holder)
    if refused is not None or holder is None or holder.account is None:
        refused = refused or unknown_token()
        who = holder.account if holder is not None else None
        action = f"sync as device {holder.device.id}" if holder is not None else "sync"
        await run_in_threadpool(
            note,
            request,
            action,
            str(refused.status_code),
            actor=who,
            patient_id=who.id if who is not None else None,
        )
        return refused
    account = holder.account
    request.state.device_id = holder.device.id
    request.state.account = account
    request.state.engine = scoped(clinic_of(request), account.id)
    # The push route refreshes the clinician's list itself, once a device has sent
    # its last batch (server/sync_api.py): not after every batch here.
    response = await call_next(request)
    response.headers["Cache-Control"] = "no-store"
    return response


def unknown_token() -> JSONResponse:
    return problem(
        401,
        "token",
        "This clinic's server does not know this device's link: it may be for another "
        "server, or was never made. Link the device again with easeback link.",
    )


def device_refusal(holder: Holder | None) -> JSONResponse | None:
    """Why this token opens nothing, in the protocol's words; None when it may sync."""
    if holder is None:
        return unknown_token()
    if holder.device.revoked is not None or holder.account is None:
        when = f"{holder.device.revoked:%d %B %Y}" if holder.device.revoked else "lately"
        by = {None: "from the device itself", holder.device.account_id: "by you"}.get(
            holder.device.revoked_by, "by the clinic"
        )
        words = (
            f"This device was unlinked from your account on {when}, {by}"
            if holder.account is not None
            else "The account this device was linked to is closed"
        )
        return problem(
            401,
            "revoked",
            f"{words}, so it no longer syncs; what is on it stays. To sync again, link it "
            "anew with easeback link.",
        )
    if holder.account.role != "patient":
        return problem(403, "role", "Only a patient's devices sync; this link is not one.")
    if holder.erased is not None:
        return problem(
            410,
            "erased",
            f"Your records on the clinic's server were erased on request on "
            f"{holder.erased:%d %B %Y}, so this device sends nothing back to it. Ask your "
            "clinic before linking this device again.",
            at=holder.erased.isoformat(),
        )
    return None


def find_device(request: Request, token: str) -> Holder | None:
    """The token's device, its last sync noted (once a minute at most)."""
    if not token:
        return None
    with clinic_of(request).begin() as connection:
        holder = devices.device_of(connection, secret_of(request), token)
        if holder is not None and device_refusal(holder) is None:
            devices.touch(connection, holder.device, clock.wall_now())
        return holder


def find_login(request: Request, token: str) -> Login | None:
    with clinic_of(request).begin() as connection:
        return accounts.login_of(connection, secret_of(request), token, clock.wall_now())


def keep_summary(clinic: Engine, patient_id: str, path: str, route: str) -> None:
    """Refresh the patient's row in the clinician's list after their write. The row is
    a copy kept for the list: a fault here is logged (by id, no health data) and the
    write, already saved, is answered as saved, or the phone would send it again and
    again. The next write refreshes the row."""
    try:
        refresh_after(clinic, patient_id, path, clock.wall_now())
    except Exception as exc:  # whatever it is, the write stands
        log.error(
            "the summary of patient %s was not kept after %s (%s)",
            patient_id,
            route,
            type(exc).__name__,
        )


def patient_for(request: Request, patient_id: str, action: str) -> tuple[Account, Engine]:
    """The patient ``patient_id`` and their store, for the logged-in clinician, with
    the read written to the audit log. Anyone else's patient, a patient who does not
    exist and an id that cannot be one are refused alike: 404.

    The rest of the request runs in the patient's day: their zone (kept from their
    last request) stands for the clinician's device's, so that every use-case run on
    their store (today, the progress figures, the report, a prescription's first day,
    their summary) counts days as the patient's own pages do."""
    clinician = account_of(request)
    found = None
    if clinician.role == "clinician" and ACCOUNT_ID.fullmatch(patient_id):
        with clinic_of(request).connect() as connection:
            found = accounts.account(connection, patient_id)
    if found is None or found.role != "patient" or found.clinician_id != clinician.id:
        known = found.id if found is not None and found.role == "patient" else None
        note(request, action, "404", patient_id=known)
        raise HTTPException(404, "There is no patient of yours at this address.")
    note(request, action, "ok", patient_id=found.id)
    zone = patient_zone(clinic_of(request), found.id)
    if zone is not None and known_zone(zone):
        device_zone.set(zone)  # in this route's own context: the next request starts afresh
    return found, scoped(clinic_of(request), found.id)


def set_login_cookie(response: Response, token: str, login: Login, *, secure: bool) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=int((login.expires - clock.wall_now().replace(tzinfo=None)).total_seconds())
        if login.expires.tzinfo is None
        else int((login.expires - clock.wall_now()).total_seconds()),
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )


def outbox_tag(request: Request, who: Account) -> str:
    """What a page's outbox marks each kept record with: its account, not by its id
    (pages never show ids) but by a keyed hash of it."""
    return keyed_hash(secret_of(request), f"outbox:{who.id}")[:32]


def context(request: Request) -> dict[str, Any]:
    """What the server's templates know of the login."""
    login = login_of(request)
    return {
        "account": login.account if login else None,
        "outbox_tag": outbox_tag(request, login.account) if login else "",
    }
